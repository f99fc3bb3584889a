package org.evomoe.examples.cli;

import org.evomoe.examples.spark.SparkCells;
import org.evomoe.examples.spark.SparkRuntime;
import org.evomoe.examples.spark.SparkStageSteps;
import org.evomoe.examples.study.RunOptions;
import org.evomoe.examples.study.StudyPlan;

/**
 * A pipeline run on Spark. Kept apart from the commands so that no Spark class is loaded before
 * {@link SparkRuntime#require()} has checked that Spark is there.
 */
final class SparkRun {
  private SparkRun() {}

  /** Every cell of the plan a Spark task. */
  static void cells(String master, StudyPlan plan, RunOptions options, OutputFolder.Mode mode,
      String command) throws Exception {
    try (SparkCells cells = SparkCells.open(master)) {
      PipelineRun.execute(plan, options.withCells(cells), mode, command);
    }
  }

  /** Every step's batch split into shards over Spark tasks, one cell after the other. */
  static void steps(String master, Integer shards, StudyPlan plan, RunOptions options,
      OutputFolder.Mode mode, String command) throws Exception {
    try (SparkStageSteps steps = SparkStageSteps.open(master, shards)) {
      PipelineRun.execute(plan, options.withSteps(steps), mode, command);
    }
  }
}
