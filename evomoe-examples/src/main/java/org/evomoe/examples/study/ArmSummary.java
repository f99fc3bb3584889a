package org.evomoe.examples.study;

import java.util.Map;
import org.evomoe.examples.pipeline.PipelineDiagnostics;

/**
 * One arm over every seed.
 *
 * @param arm arm name
 * @param family initialisation family
 * @param evolution evolution reading, or null
 * @param routing the routing of the trained layers (the same for every seed)
 * @param trainableParameters scalars that trained after Stage I
 * @param postStage1Steps optimiser steps after Stage I
 * @param postStage1Sequences sequences seen after Stage I
 * @param tasks per task: mean accuracy, statistics and paired difference to the baseline
 * @param average mean over seeds of the average task accuracy
 * @param averageStats statistics of the average task accuracy over seeds
 * @param averageVsBaseline paired difference of the average to the baseline (null: see {@link
 *     TaskSummary#vsBaseline})
 * @param pope POPE metrics per probe set, means over seeds
 * @param heldOut the same statistics on the held-out wordings of the prompts (null when not
 *     measured)
 * @param diagnostics the first seed's routing diagnostics ({@link PipelineDiagnostics#NONE} for the
 *     dense arm)
 */
public record ArmSummary(
    String arm,
    String family,
    String evolution,
    ArmRouting routing,
    long trainableParameters,
    int postStage1Steps,
    long postStage1Sequences,
    Map<String, TaskSummary> tasks,
    double average,
    Summary averageStats,
    PairedDifference averageVsBaseline,
    Map<String, PopeMetrics> pope,
    ScoreSummary heldOut,
    PipelineDiagnostics diagnostics) {

  /**
   * The arm's means over seeds as one {@link Scores} (tasks with {@code correct} -1, as in any
   * mean over seeds), with the held-out scores when they were measured; missing maps read as
   * empty.
   */
  public Scores scores() {
    return Scores.ofSummaries(tasks, pope, average, heldOut == null ? null : heldOut.scores());
  }
}
