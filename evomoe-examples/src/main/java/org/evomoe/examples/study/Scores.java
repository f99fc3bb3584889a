package org.evomoe.examples.study;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomoe.examples.pipeline.EvalResult;
import org.evomoe.examples.pipeline.PopeScore;
import org.evomoe.examples.pipeline.TaskScore;

/**
 * One evaluation of one model: accuracy per task (in task order), POPE per probe set and the
 * average of the task accuracies, on the training wordings of the prompts; {@code heldOut} holds
 * the same scores on held-out wordings of the same questions (null when not measured, and always
 * null inside {@code heldOut}).
 */
public record Scores(
    Map<String, TaskAccuracy> tasks,
    Map<String, PopeMetrics> pope,
    double average,
    @JsonInclude(JsonInclude.Include.NON_NULL) Scores heldOut) {
  public Scores {
    // A file without one of the maps (a hand-written one) reads as no tasks or no POPE probes.
    tasks = tasks == null ? new LinkedHashMap<>() : new LinkedHashMap<>(tasks);
    pope = pope == null ? new LinkedHashMap<>() : new LinkedHashMap<>(pope);
    if (heldOut != null && heldOut.heldOut != null) {
      throw new IllegalArgumentException("held-out scores cannot nest");
    }
  }

  /** The scores of an evaluation. */
  public static Scores of(EvalResult r) {
    Scores held = r.hasHeldOut() ? of(r.heldOutTasks(), r.heldOutPope(), r.heldOutAverage(), null) : null;
    return of(r.tasks(), r.pope(), r.average(), held);
  }

  private static Scores of(Map<String, TaskScore> tasks, Map<String, PopeScore> pope,
      double average, Scores heldOut) {
    Map<String, TaskAccuracy> t = new LinkedHashMap<>();
    tasks.forEach((name, s) -> t.put(name, new TaskAccuracy(s.accuracy(), s.correct(), s.total())));
    Map<String, PopeMetrics> p = new LinkedHashMap<>();
    pope.forEach((name, s) -> p.put(name, new PopeMetrics(s.accuracy(), s.precision(),
        s.recall(), s.f1(), s.yesRatio(), s.total())));
    return new Scores(t, p, average, heldOut);
  }

  /**
   * Means over seeds as scores: each task's mean accuracy and per-seed total, {@code correct} -1;
   * null maps read as empty.
   */
  static Scores ofSummaries(Map<String, TaskSummary> tasks, Map<String, PopeMetrics> pope,
      double average, Scores heldOut) {
    Map<String, TaskAccuracy> t = new LinkedHashMap<>();
    if (tasks != null) {
      tasks.forEach((name, s) -> t.put(name, new TaskAccuracy(s.accuracy(), -1, s.total())));
    }
    return new Scores(t, pope, average, heldOut);
  }

  /** The tasks scored in any of the evaluations, in first-seen order. */
  static List<String> taskNames(List<Scores> seeds) {
    java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
    seeds.forEach(x -> names.addAll(x.tasks.keySet()));
    return List.copyOf(names);
  }

  /**
   * Means over seeds; a task's mean is over the seeds whose evaluation holds it, its total the
   * first such seed's count.
   */
  static Scores mean(List<Scores> seeds) {
    Scores first = seeds.get(0);
    Map<String, TaskAccuracy> t = new LinkedHashMap<>();
    for (String name : taskNames(seeds)) {
      double s = 0;
      int n = 0;
      int total = -1;
      for (Scores x : seeds) {
        TaskAccuracy a = x.tasks.get(name);
        if (a != null) {
          s += a.accuracy();
          n++;
          total = total < 0 ? a.total() : total;
        }
      }
      t.put(name, new TaskAccuracy(s / n, -1, total));
    }
    Map<String, PopeMetrics> p = new LinkedHashMap<>();
    for (String probe : first.pope.keySet()) {
      List<PopeMetrics> l = new ArrayList<>();
      seeds.forEach(x -> l.add(x.pope.get(probe)));
      p.put(probe, PopeMetrics.mean(l));
    }
    double avg = 0;
    for (Scores x : seeds) {
      avg += x.average;
    }
    Scores held = first.heldOut == null ? null
        : mean(seeds.stream().map(Scores::heldOut).toList());
    return new Scores(t, p, avg / seeds.size(), held);
  }
}
