package org.evomoe.examples.cli;

import java.util.Locale;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.examples.study.RunOptions;
import org.evomoe.examples.study.StudyPlan;
import picocli.CommandLine.Option;

/**
 * {@code --spark MASTER [--spark-split cells|steps] [--shards N]}: the training commands on Spark,
 * either whole (seed, arm) cells as tasks over the executors, or every step's batch split over
 * them (docs/distributed.md).
 */
final class SparkFlags {
  /** What a Spark task computes. */
  enum Split {
    /** A whole (seed, arm) cell per task: cells train side by side. */
    CELLS,
    /** A shard of a step's batch per task: one cell at a time, each step data-parallel. */
    STEPS
  }

  @Option(names = "--spark", paramLabel = "MASTER",
      description = "Train on Spark, e.g. local[2] (needs Spark on the class path:"
          + " docs/distributed.md); what a task computes is --spark-split.")
  String spark;

  @Option(names = "--spark-split", paramLabel = "cells|steps",
      description = "With --spark: 'cells' trains whole (seed, arm) cells as tasks, as many at"
          + " once as the executors have cores; 'steps' splits every step's batch over the"
          + " executors (--shards), one cell after the other. Default: cells for study, steps"
          + " for train (and steps whenever --shards is given).")
  String split;

  @Option(names = "--shards", paramLabel = "N",
      description = "Shards per step with --spark-split steps (default: Spark's default"
          + " parallelism).")
  Integer shards;

  private Split chosen;

  /**
   * Refuses inconsistent flags and a missing Spark, before any work.
   *
   * @param jobs the --jobs value as given (cells at once in this JVM), or null
   * @param defaultSplit the command's split when neither --spark-split nor --shards is given
   */
  void check(DemoSettings s, Integer jobs, Split defaultSplit) {
    if (spark == null) {
      if (shards != null) {
        throw new IllegalArgumentException("--shards needs --spark");
      }
      if (split != null) {
        throw new IllegalArgumentException("--spark-split needs --spark");
      }
      return;
    }
    chosen = split == null ? (shards != null ? Split.STEPS : defaultSplit) : parse(split);
    if (shards != null && chosen != Split.STEPS) {
      throw new IllegalArgumentException("--shards splits steps: it needs --spark-split steps"
          + " (with --spark-split cells every task trains a whole cell)");
    }
    if (shards != null && shards > s.batchSize()) {
      throw new IllegalArgumentException("--shards " + shards + " exceeds the batch of "
          + s.batchSize() + " samples (settings.batchSize): every shard needs a sample");
    }
    if (jobs != null && jobs != 1) {
      throw new IllegalArgumentException("--jobs " + jobs + " cannot be combined with --spark:"
          + " on Spark the executors' cores decide how many tasks run at once (with"
          + " --spark-split cells, that many cells); --jobs counts cells in this JVM");
    }
    org.evomoe.examples.spark.SparkRuntime.require();
  }

  /** Whether --spark was given. */
  boolean enabled() {
    return spark != null;
  }

  private static Split parse(String v) {
    try {
      return Split.valueOf(v.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--spark-split must be 'cells' or 'steps', got '" + v
          + "'");
    }
  }

  /** Runs the plan in this JVM, or on Spark with --spark. */
  void execute(StudyPlan plan, RunOptions options, OutputFolder.Mode mode, String command)
      throws Exception {
    if (spark == null) {
      PipelineRun.execute(plan, options, mode, command);
    } else if (chosen == Split.CELLS) {
      SparkRun.cells(spark, plan, options, mode, command);
    } else {
      SparkRun.steps(spark, shards, plan, options, mode, command);
    }
  }
}
