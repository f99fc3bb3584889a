package org.evomoe.examples.pipeline;

import java.util.Map;
import java.util.Objects;

/**
 * Scores of one model on the test split: on the in-template prompts (the training wordings) and,
 * when measured, on the same questions worded with held-out templates (paraphrases never seen in
 * training).
 *
 * @param tasks in-template accuracy per task, by task name, in task order
 * @param pope in-template POPE metrics per probe set and "all"
 * @param heldOutTasks held-out accuracy per task (empty when not measured)
 * @param heldOutPope held-out POPE metrics per probe set and "all" (empty when not measured)
 */
public record EvalResult(
    Map<String, TaskScore> tasks,
    Map<String, PopeScore> pope,
    Map<String, TaskScore> heldOutTasks,
    Map<String, PopeScore> heldOutPope) {
  public EvalResult {
    Objects.requireNonNull(tasks, "tasks");
    Objects.requireNonNull(pope, "pope");
    Objects.requireNonNull(heldOutTasks, "heldOutTasks");
    Objects.requireNonNull(heldOutPope, "heldOutPope");
  }

  /** In-template scores only. */
  public EvalResult(Map<String, TaskScore> tasks, Map<String, PopeScore> pope) {
    this(tasks, pope, Map.of(), Map.of());
  }

  /** Whether held-out scores were measured. */
  public boolean hasHeldOut() {
    return !heldOutTasks.isEmpty();
  }

  /** The mean of the in-template per-task accuracies (every task weighs the same). */
  public double average() {
    return average(tasks);
  }

  /** The mean of the held-out per-task accuracies; NaN when not measured. */
  public double heldOutAverage() {
    return average(heldOutTasks);
  }

  private static double average(Map<String, TaskScore> scores) {
    double s = 0;
    int n = 0;
    for (TaskScore t : scores.values()) {
      if (t.total() > 0) {
        s += t.accuracy();
        n++;
      }
    }
    return n == 0 ? Double.NaN : s / n;
  }
}
