package org.evomoe.examples.study;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomoe.examples.pipeline.EvalResult;

/**
 * One evaluation of one model: accuracy per task (in task order), POPE per probe set and the
 * average of the task accuracies.
 */
public record Scores(Map<String, TaskAccuracy> tasks, Map<String, PopeMetrics> pope, double average) {
  public Scores {
    tasks = new LinkedHashMap<>(tasks);
    pope = new LinkedHashMap<>(pope);
  }

  /** The scores of an evaluation. */
  public static Scores of(EvalResult r) {
    Map<String, TaskAccuracy> t = new LinkedHashMap<>();
    r.tasks().forEach((name, s) -> t.put(name, new TaskAccuracy(s.accuracy(), s.correct(), s.total())));
    Map<String, PopeMetrics> p = new LinkedHashMap<>();
    r.pope().forEach((name, s) -> p.put(name, new PopeMetrics(s.accuracy(), s.precision(),
        s.recall(), s.f1(), s.yesRatio(), s.total())));
    return new Scores(t, p, r.average());
  }

  /** Means over seeds (counts: the first seed's; every seed scores the same number). */
  static Scores mean(List<Scores> seeds) {
    Scores first = seeds.get(0);
    Map<String, TaskAccuracy> t = new LinkedHashMap<>();
    for (Map.Entry<String, TaskAccuracy> e : first.tasks.entrySet()) {
      double s = 0;
      for (Scores x : seeds) {
        s += x.tasks.get(e.getKey()).accuracy();
      }
      t.put(e.getKey(), new TaskAccuracy(s / seeds.size(), -1, e.getValue().total()));
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
    return new Scores(t, p, avg / seeds.size());
  }
}
