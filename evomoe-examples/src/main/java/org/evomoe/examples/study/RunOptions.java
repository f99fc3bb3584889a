package org.evomoe.examples.study;

/**
 * How a run executes, none of which changes its results.
 *
 * @param jobs (arm, seed) cells trained at once, >= 1 (a seed's Stage I runs before its arms)
 * @param checkpointEvery optimiser steps between training checkpoints, >= 1
 * @param resume continue the run in the output folder: finished cells are kept, unfinished ones
 *     continue from their newest checkpoint; without it any earlier cells are discarded
 */
public record RunOptions(int jobs, int checkpointEvery, boolean resume) {
  /** Default steps between checkpoints. */
  public static final int DEFAULT_CHECKPOINT_EVERY = 50;

  public RunOptions {
    if (jobs < 1 || jobs > 64) {
      throw new IllegalArgumentException("jobs must be in [1, 64], got " + jobs);
    }
    if (checkpointEvery < 1) {
      throw new IllegalArgumentException("checkpoint interval must be >= 1 step, got " + checkpointEvery);
    }
  }

  /** One job, the default checkpoint interval, a fresh run. */
  public static RunOptions defaults() {
    return new RunOptions(1, DEFAULT_CHECKPOINT_EVERY, false);
  }
}
