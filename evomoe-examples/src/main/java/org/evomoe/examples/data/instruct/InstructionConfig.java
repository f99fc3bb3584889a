package org.evomoe.examples.data.instruct;

import java.util.Objects;

/**
 * Settings of {@link InstructionDataGenerator}.
 *
 * @param train sample counts of the training split
 * @param test sample counts of the test split
 * @param minItems fewest items on a canvas, 1..4
 * @param maxItems most items on a canvas, minItems..4
 * @param repeatProbability chance that an item after the first repeats a class already on the
 *     canvas (so counting has answers above one), in [0, 1)
 * @param classPriorDecay class {@code c} (label) is drawn with weight {@code (1 - decay)^c}, so
 *     some classes are more frequent than others and POPE "popular" negatives mean something; 0
 *     gives uniform classes; in [0, 1)
 * @param seed seed of the single random generator that makes everything
 */
public record InstructionConfig(
    TaskCounts train,
    TaskCounts test,
    int minItems,
    int maxItems,
    double repeatProbability,
    double classPriorDecay,
    long seed) {
  public InstructionConfig {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(test, "test");
    if (minItems < 1 || minItems > 4) {
      throw new IllegalArgumentException("minItems must be in 1..4, got " + minItems);
    }
    if (maxItems < minItems || maxItems > 4) {
      throw new IllegalArgumentException(
          "maxItems must be in minItems(" + minItems + ")..4, got " + maxItems);
    }
    if (!(repeatProbability >= 0 && repeatProbability < 1)) {
      throw new IllegalArgumentException(
          "repeatProbability must be in [0, 1), got " + repeatProbability);
    }
    if (!(classPriorDecay >= 0 && classPriorDecay < 1)) {
      throw new IllegalArgumentException(
          "classPriorDecay must be in [0, 1), got " + classPriorDecay);
    }
  }

  /**
   * The demo defaults: 2 to 4 items per canvas, repeat probability 0.3, class prior decay 0.1;
   * training split 4000 position, 4000 counting, 800 POPE pairs per probe (4800 samples), 4000
   * captions, 3200 text-only (20000 samples: at 5000 the demo model memorised the split, see
   * docs/regime-sweep.md); test split 200, 200, 40 (240), 200, 100 (940 samples).
   */
  public static InstructionConfig defaults(long seed) {
    return new InstructionConfig(
        new TaskCounts(4000, 4000, 800, 4000, 3200),
        new TaskCounts(200, 200, 40, 200, 100),
        2,
        4,
        0.3,
        0.1,
        seed);
  }
}
