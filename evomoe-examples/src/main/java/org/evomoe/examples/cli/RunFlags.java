package org.evomoe.examples.cli;

import org.evomoe.examples.study.RunOptions;
import org.evomoe.tensor.Threads;
import picocli.CommandLine.Option;

/** The flags of the training commands that change how a run executes, never its results. */
final class RunFlags {
  @Option(names = "--jobs", description = "(arm, seed) cells trained at once (default: 2 on a"
      + " machine with 2 or more cores, else 1; with --spark 1, and the executors decide). The"
      + " numbers do not depend on it.")
  Integer jobs;

  @Option(names = "--threads",
      description = "CPU threads per job (default: 1; results depend on it in the last"
          + " float bits, so --jobs and --resume reproduce a run exactly at the same count).")
  Integer threads;

  @Option(names = "--resume", description = "Continue the run in --out: finished cells are kept, the"
      + " others continue from their newest training checkpoint; --seeds may grow (only the new seeds"
      + " train).")
  boolean resume;

  @Option(names = "--overwrite", description = "Use an --out folder that already holds files:"
      + " replace the files a run writes (results, report, models), leave the others.")
  boolean overwrite;

  @Option(names = "--checkpoint-every", paramLabel = "STEPS",
      description = "Optimiser steps between training checkpoints (default: ${DEFAULT-VALUE}).")
  int checkpointEvery = RunOptions.DEFAULT_CHECKPOINT_EVERY;

  /** What the run may do with an output folder that holds files (--overwrite, --resume). */
  OutputFolder.Mode outputMode() {
    if (resume && overwrite) {
      throw new IllegalArgumentException("--resume and --overwrite exclude each other: --resume"
          + " continues the run in --out, --overwrite starts a new one there");
    }
    return resume ? OutputFolder.Mode.RESUME
        : overwrite ? OutputFolder.Mode.OVERWRITE : OutputFolder.Mode.FRESH;
  }

  /**
   * Cells trained at once when --jobs is not given: two where there are two cores, so that the
   * demo's two seeds train side by side (one thread each, at the numbers of one at a time), but no
   * more, since every cell holds its own model, optimiser and evaluation in memory.
   */
  static int defaultJobs() {
    return Math.min(2, Runtime.getRuntime().availableProcessors());
  }

  /** The --jobs value as given, or null. */
  Integer givenJobs() {
    return jobs;
  }

  /**
   * Applies --threads and returns the run options.
   *
   * @param spark whether the cells train on Spark (then the default is one cell at a time here)
   */
  RunOptions apply(boolean spark) {
    if (threads != null && (threads < 1 || threads > 1024)) {
      throw new IllegalArgumentException("--threads must be in [1, 1024], got " + threads);
    }
    RunOptions o = new RunOptions(jobs != null ? jobs : spark ? 1 : defaultJobs(),
        checkpointEvery, resume);
    // One thread per job unless asked: a default that followed --jobs (cores / jobs) would make
    // the numbers depend on --jobs, since float sums round differently on 1 and 2 threads.
    Threads.set(threads != null ? threads : 1);
    return o;
  }
}
