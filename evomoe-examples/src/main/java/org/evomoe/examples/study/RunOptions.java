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
 * @param cells where whole cells train: null for this JVM ({@code jobs} at a time, checkpointing
 *     into the output folder), or elsewhere, as many at once as that place runs (Spark
 *     executors: {@code jobs} must be 1 and {@code steps} {@link StageSteps#LOCAL})
 */
public record RunOptions(int jobs, int checkpointEvery, boolean resume, StageSteps steps,
    RemoteCells cells) {
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
    if (cells != null && jobs != 1) {
      throw new IllegalArgumentException("jobs (" + jobs + ") count the cells trained at once in"
          + " this JVM; cells trained elsewhere run as many at once as their executors allow");
    }
    if (cells != null && steps != StageSteps.LOCAL) {
      throw new IllegalArgumentException("cells trained elsewhere compute their steps there:"
          + " stage steps must be StageSteps.LOCAL");
    }
  }

  /** Cells in this JVM, their stages computed by {@code steps}. */
  public RunOptions(int jobs, int checkpointEvery, boolean resume, StageSteps steps) {
    this(jobs, checkpointEvery, resume, steps, null);
  }

  /** Stages computed in this JVM. */
  public RunOptions(int jobs, int checkpointEvery, boolean resume) {
    this(jobs, checkpointEvery, resume, StageSteps.LOCAL);
  }

  /** The same options with the stages' micro-batches computed by {@code s}. */
  public RunOptions withSteps(StageSteps s) {
    return new RunOptions(jobs, checkpointEvery, resume, s, cells);
  }

  /** The same options with whole cells trained by {@code c} (null: in this JVM). */
  public RunOptions withCells(RemoteCells c) {
    return new RunOptions(jobs, checkpointEvery, resume, steps, c);
  }

  /** One job, the default checkpoint interval, a fresh run. */
  public static RunOptions defaults() {
    return new RunOptions(1, DEFAULT_CHECKPOINT_EVERY, false);
  }
}
