package org.evomoe.examples.study;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * POPE metrics of one probe set, "yes" the positive class (see {@code PopeScore}); in a summary
 * over seeds each field is the mean over seeds and {@code total} the per-seed count.
 */
public record PopeMetrics(double accuracy, double precision, double recall, double f1,
    double yesRatio, int total) {

  /** The metrics as the JSON names them, in table order, each with its accessor. */
  public static final Map<String, ToDoubleFunction<PopeMetrics>> METRICS = metrics();

  /** The probe sets in table order ({@code all} is every probe together). */
  public static final List<String> PROBES = List.of("random", "popular", "adversarial", "all");

  private static Map<String, ToDoubleFunction<PopeMetrics>> metrics() {
    Map<String, ToDoubleFunction<PopeMetrics>> m = new LinkedHashMap<>();
    m.put("accuracy", PopeMetrics::accuracy);
    m.put("precision", PopeMetrics::precision);
    m.put("recall", PopeMetrics::recall);
    m.put("f1", PopeMetrics::f1);
    m.put("yesRatio", PopeMetrics::yesRatio);
    return java.util.Collections.unmodifiableMap(m);
  }

  /** Field-wise mean of the same probe over seeds. */
  static PopeMetrics mean(List<PopeMetrics> l) {
    double a = 0;
    double p = 0;
    double r = 0;
    double f = 0;
    double y = 0;
    for (PopeMetrics m : l) {
      a += m.accuracy;
      p += m.precision;
      r += m.recall;
      f += m.f1;
      y += m.yesRatio;
    }
    int n = l.size();
    return new PopeMetrics(a / n, p / n, r / n, f / n, y / n, l.get(0).total);
  }
}
