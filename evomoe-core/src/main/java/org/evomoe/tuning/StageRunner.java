package org.evomoe.tuning;

/** Runs a whole stage in one call: {@code new StageTrainer(...).runToEnd(listener)}. */
public final class StageRunner {
  private StageRunner() {}

  /** Runs the stage without a listener. */
  public static StageResult run(TunableModel model, StageConfig stage, MicroBatchStep microBatch) {
    return run(model, stage, microBatch, null);
  }

  /** Runs every step of the stage; {@code listener} may be null. */
  public static StageResult run(TunableModel model, StageConfig stage, MicroBatchStep microBatch,
      StageTrainer.StepListener listener) {
    try (StageTrainer t = new StageTrainer(model, stage, microBatch)) {
      return t.runToEnd(listener);
    }
  }
}
