package org.evomoe.examples.study;

/**
 * Told after every optimiser step of every cell (progress bars). It runs on the cell's thread; an
 * exception thrown here stops the cell like a crash would (tests use it to interrupt runs).
 */
@FunctionalInterface
public interface StepListener {
  void onStep(String cell, String stage, int step, double loss);

  /** Does nothing. */
  static StepListener none() {
    return (cell, stage, step, loss) -> {};
  }
}
