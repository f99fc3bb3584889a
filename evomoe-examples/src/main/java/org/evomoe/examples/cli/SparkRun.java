package org.evomoe.examples.cli;

import org.evomoe.examples.spark.SparkRuntime;
import org.evomoe.examples.spark.SparkStageSteps;
import org.evomoe.examples.study.RunOptions;
import org.evomoe.examples.study.StudyPlan;

/**
 * A pipeline run whose stages run data-parallel on Spark. Kept apart from the commands so that
 * no Spark class is loaded before {@link SparkRuntime#require()} has checked that Spark is there.
 */
final class SparkRun {
  private SparkRun() {}

  static void execute(String master, Integer shards, StudyPlan plan, RunOptions options,
      OutputFolder.Mode mode, String command) throws Exception {
    try (SparkStageSteps steps = SparkStageSteps.open(master, shards)) {
      PipelineRun.execute(plan, options.withSteps(steps), mode, command);
    }
  }
}
