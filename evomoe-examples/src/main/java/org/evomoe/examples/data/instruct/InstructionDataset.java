package org.evomoe.examples.data.instruct;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.evomoe.examples.data.FashionMnistClass;

/**
 * Generated instruction data: training and test samples (canvases of disjoint source images), the
 * test samples worded again with held-out templates, and the class frequencies of the training
 * canvases that define POPE "popular" negatives.
 *
 * @param train training samples, shuffled, worded with training templates
 * @param test test samples, shuffled, worded with training templates (the in-template test)
 * @param testHeldOut the test samples in the same order, each worded with a held-out template of
 *     its task (a paraphrase never used in training): same task, canvas, answer and probe as
 *     {@code test} at the same index, another prompt
 * @param trainItemCounts number of items of each class over all training canvases
 */
public record InstructionDataset(
    List<InstructionSample> train,
    List<InstructionSample> test,
    List<InstructionSample> testHeldOut,
    Map<FashionMnistClass, Integer> trainItemCounts) {
  public InstructionDataset {
    train = List.copyOf(Objects.requireNonNull(train, "train"));
    test = List.copyOf(Objects.requireNonNull(test, "test"));
    testHeldOut = List.copyOf(Objects.requireNonNull(testHeldOut, "testHeldOut"));
    if (testHeldOut.size() != test.size()) {
      throw new IllegalArgumentException("testHeldOut has " + testHeldOut.size()
          + " samples, the test split " + test.size() + "; they must pair up");
    }
    for (int i = 0; i < test.size(); i++) {
      InstructionSample a = test.get(i);
      InstructionSample b = testHeldOut.get(i);
      if (a.task() != b.task() || a.canvas() != b.canvas() || !a.answer().equals(b.answer())
          || a.probe() != b.probe() || a.prompt().equals(b.prompt())) {
        throw new IllegalArgumentException("testHeldOut[" + i + "] ('" + b.prompt()
            + "') is not a rewording of test[" + i + "] ('" + a.prompt() + "')");
      }
    }
    Map<FashionMnistClass, Integer> counts = new EnumMap<>(FashionMnistClass.class);
    for (FashionMnistClass c : FashionMnistClass.values()) {
      Integer n = Objects.requireNonNull(trainItemCounts, "trainItemCounts").get(c);
      if (n == null || n < 0) {
        throw new IllegalArgumentException("trainItemCounts needs a count >= 0 for " + c.word());
      }
      counts.put(c, n);
    }
    trainItemCounts = Collections.unmodifiableMap(counts);
  }

  /** All classes, most frequent in the training canvases first (ties: lower label first). */
  public List<FashionMnistClass> popularityRanking() {
    return popularityRanking(trainItemCounts);
  }

  static List<FashionMnistClass> popularityRanking(Map<FashionMnistClass, Integer> counts) {
    List<FashionMnistClass> ranking = new ArrayList<>(List.of(FashionMnistClass.values()));
    ranking.sort(
        Comparator.comparing((FashionMnistClass c) -> -counts.get(c))
            .thenComparing(FashionMnistClass::label));
    return List.copyOf(ranking);
  }
}
