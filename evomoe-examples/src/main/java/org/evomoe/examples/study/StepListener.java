package org.evomoe.examples.study;

import org.evomoe.examples.model.VisionLanguageModel;

/**
 * Told after every optimiser step of every cell (progress bars). It runs on the cell's thread; an
 * exception thrown here stops the cell like a crash would (tests use it to interrupt runs).
 */
@FunctionalInterface
public interface StepListener {
  void onStep(String cell, String stage, int step, double loss);

  /**
   * Also told after every step, with the model as it trains (tests read the routing in force from
   * the layers); runs after {@link #onStep}.
   */
  default void afterStep(String cell, String stage, VisionLanguageModel model) {}

  /** Told when a stage continues from a checkpoint: its first {@code steps} steps are done. */
  default void restored(String cell, String stage, int steps) {}

  /** Does nothing. */
  static StepListener none() {
    return (cell, stage, step, loss) -> {};
  }
}
