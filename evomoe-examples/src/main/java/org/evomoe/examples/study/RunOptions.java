package org.evomoe.examples.study;

/**
 * How a run executes, none of which changes its results.
 *
 * @param jobs (arm, seed) cells trained at once, >= 1 (a seed's Stage I runs before its arms)
 * @param checkpointEvery optimiser steps between training checkpoints, >= 1
 * @param resume continue the run in the output folder: finished cells are kept, unfinished ones
 *     continue from their newest checkpoint; without it any earlier cells are discarded
 * @param steps where the stages' micro-batches are computed: {@link StageSteps#LOCAL}, or sharded
 *     over Spark executors (the same numbers up to float rounding, docs/distributed.md)
 */
public record RunOptions(int jobs, int checkpointEvery, boolean resume, StageSteps steps) {
  /** Default steps between checkpoints. */
  public static final int DEFAULT_CHECKPOINT_EVERY = 50;

  public RunOptions {
    if (jobs < 1 || jobs > 64) {
      throw new IllegalArgumentException("jobs must be in [1, 64], got " + jobs);
    }
    if (checkpointEvery < 1) {
      throw new IllegalArgumentException("checkpoint interval must be >= 1 step, got " + checkpointEvery);
    }
    if (steps == null) {
      throw new IllegalArgumentException("stage steps must not be null (use StageSteps.LOCAL)");
    }
  }

  /** Stages computed in this JVM. */
  public RunOptions(int jobs, int checkpointEvery, boolean resume) {
    this(jobs, checkpointEvery, resume, StageSteps.LOCAL);
  }

  /** The same options with the stages' micro-batches computed by {@code s}. */
  public RunOptions withSteps(StageSteps s) {
    return new RunOptions(jobs, checkpointEvery, resume, s);
  }

  /** One job, the default checkpoint interval, a fresh run. */
  public static RunOptions defaults() {
    return new RunOptions(1, DEFAULT_CHECKPOINT_EVERY, false);
  }
}
