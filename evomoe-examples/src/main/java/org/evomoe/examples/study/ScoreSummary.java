package org.evomoe.examples.study;

import java.util.Map;

/**
 * One arm's scores on one prompt set over seeds (used for the held-out wordings; the in-template
 * scores sit directly in {@link ArmSummary} with the same fields).
 *
 * @param tasks per task: mean accuracy, statistics and paired difference to the baseline
 * @param average mean over seeds of the average task accuracy
 * @param averageStats statistics of the average over seeds
 * @param averageVsBaseline paired difference of the average to the baseline, or null
 * @param pope POPE metrics per probe set, means over seeds
 */
public record ScoreSummary(
    Map<String, TaskSummary> tasks,
    double average,
    Summary averageStats,
    PairedDifference averageVsBaseline,
    Map<String, PopeMetrics> pope) {

  /** These means over seeds as one {@link Scores} (see {@link ArmSummary#scores}). */
  public Scores scores() {
    return Scores.ofSummaries(tasks, pope, average, null);
  }
}
