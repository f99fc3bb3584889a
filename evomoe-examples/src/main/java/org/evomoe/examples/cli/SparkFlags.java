package org.evomoe.examples.cli;

import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.examples.study.RunOptions;
import org.evomoe.examples.study.StudyPlan;
import picocli.CommandLine.Option;

/** {@code --spark MASTER [--shards N]}: the training commands' steps data-parallel on Spark. */
final class SparkFlags {
  @Option(names = "--spark", paramLabel = "MASTER",
      description = "Data-parallel training on Spark, e.g. local[2]: each step's batch is split"
          + " over the executors (needs Spark on the class path: docs/distributed.md).")
  String spark;

  @Option(names = "--shards", paramLabel = "N",
      description = "Shards per step with --spark (default: Spark's default parallelism).")
  Integer shards;

  /** Refuses inconsistent flags and a missing Spark, before any work. */
  void check(DemoSettings s) {
    if (shards != null && spark == null) {
      throw new IllegalArgumentException("--shards needs --spark");
    }
    if (shards != null && shards > s.batchSize()) {
      throw new IllegalArgumentException("--shards " + shards + " exceeds the batch of "
          + s.batchSize() + " samples (settings.batchSize): every shard needs a sample");
    }
    if (spark != null) {
      org.evomoe.examples.spark.SparkRuntime.require();
    }
  }

  /** Runs the plan in this JVM, or on Spark with --spark. */
  void execute(StudyPlan plan, RunOptions options, OutputFolder.Mode mode, String command)
      throws Exception {
    if (spark != null) {
      SparkRun.execute(spark, shards, plan, options, mode, command);
    } else {
      PipelineRun.execute(plan, options, mode, command);
    }
  }
}
