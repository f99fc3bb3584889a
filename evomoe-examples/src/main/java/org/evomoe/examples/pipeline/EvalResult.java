package org.evomoe.examples.pipeline;

import java.util.Map;

/**
 * Scores of one model on the test split.
 *
 * @param tasks accuracy per task, by task name, in task order
 * @param pope POPE metrics per probe set and "all"
 */
public record EvalResult(Map<String, TaskScore> tasks, Map<String, PopeScore> pope) {
  /** The mean of the per-task accuracies (every task weighs the same). */
  public double average() {
    double s = 0;
    int n = 0;
    for (TaskScore t : tasks.values()) {
      if (t.total() > 0) {
        s += t.accuracy();
        n++;
      }
    }
    return n == 0 ? Double.NaN : s / n;
  }
}
