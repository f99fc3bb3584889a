package org.evomoe.examples.pipeline;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.evomoe.diagnostics.ExpertOutputSimilarity;
import org.evomoe.diagnostics.ExpertSimilarity;
import org.evomoe.diagnostics.ModalitySeparation;
import org.evomoe.diagnostics.RouterLogitStats;
import org.evomoe.diagnostics.RoutingEntropy;
import org.evomoe.diagnostics.StandaloneExperts;
import org.evomoe.examples.study.PopeMetrics;
import org.evomoe.examples.study.Scores;
import org.evomoe.examples.study.TaskAccuracy;

/** The demo's results as a plain-text table: one row per metric, one column per arm. */
public final class ResultsTable {
  private static final double NaN = Double.NaN;

  private ResultsTable() {}

  /**
   * The scores of every arm, one column per arm: accuracy per task (every task any arm scored, in
   * first-seen order), POPE accuracy and F1 per probe set with every metric of {@code all}, the
   * average, and when any arm has held-out scores the held-out accuracy per task and average. A
   * value that is missing or not finite shows as {@code -}.
   *
   * @param byArm each arm's scores by arm name, in column order
   */
  public static String render(Map<String, Scores> byArm) {
    List<String> names = List.copyOf(byArm.keySet());
    List<Scores> arms = List.copyOf(byArm.values());
    Set<String> tasks = new LinkedHashSet<>();
    for (Scores a : arms) {
      tasks.addAll(a.tasks().keySet());
    }
    int col = width(names, 12);
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-28s", "metric"));
    for (String n : names) {
      sb.append(String.format(Locale.ROOT, "%" + col + "s", n));
    }
    sb.append('\n');
    for (String t : tasks) {
      scoreRow(sb, "accuracy " + t, arms, col, a -> accuracy(a, t));
    }
    for (String probe : PopeMetrics.PROBES) {
      for (Map.Entry<String, ToDoubleFunction<PopeMetrics>> m : PopeMetrics.METRICS.entrySet()) {
        String metric = m.getKey();
        if (!probe.equals("all") && !metric.equals("accuracy") && !metric.equals("f1")) {
          continue;
        }
        scoreRow(sb, "pope " + probe + " " + metric, arms, col, a -> {
          PopeMetrics p = a.pope().get(probe);
          return p == null ? NaN : m.getValue().applyAsDouble(p);
        });
      }
    }
    scoreRow(sb, "average", arms, col, Scores::average);
    if (arms.stream().anyMatch(a -> a.heldOut() != null)) {
      for (String t : tasks) {
        scoreRow(sb, "held-out " + t, arms, col,
            a -> a.heldOut() == null ? NaN : accuracy(a.heldOut(), t));
      }
      scoreRow(sb, "held-out average", arms, col,
          a -> a.heldOut() == null ? NaN : a.heldOut().average());
    }
    return sb.toString();
  }

  private static double accuracy(Scores s, String task) {
    TaskAccuracy a = s.tasks().get(task);
    return a == null ? NaN : a.accuracy();
  }

  private static void scoreRow(StringBuilder sb, String label, List<Scores> arms, int col,
      ToDoubleFunction<Scores> get) {
    sb.append(String.format(Locale.ROOT, "%-28s", label));
    for (Scores a : arms) {
      double v = get.applyAsDouble(a);
      sb.append(Double.isFinite(v) ? String.format(Locale.ROOT, "%" + col + ".4f", v)
          : String.format("%" + col + "s", "-"));
    }
    sb.append('\n');
  }

  /**
   * The routing diagnostics of the MoE arms, one row per measure and layer: image/text routing
   * distance (soft, and hard top-1 with its routers-at-initialisation baseline), token entropy, expert
   * weight and output similarity, shuffle test and standalone experts. Arms without diagnostics are
   * left out; a value that was not measured (or is not finite) shows as {@code -}.
   *
   * @param byArm each arm's diagnostics by arm name, in column order
   */
  public static String renderDiagnostics(Map<String, PipelineDiagnostics> byArm) {
    Map<String, PipelineDiagnostics> moe = new LinkedHashMap<>();
    byArm.forEach((arm, x) -> {
      if (x != null && x.measured()) {
        moe.put(arm, x);
      }
    });
    if (moe.isEmpty()) {
      return "";
    }
    List<String> names = List.copyOf(moe.keySet());
    int col = width(names, 14);
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-40s", "diagnostic"));
    for (String n : names) {
      sb.append(String.format(Locale.ROOT, "%" + col + "s", n));
    }
    sb.append('\n');
    List<PipelineDiagnostics> d = List.copyOf(moe.values());
    ExpertSimilarity firstSimilarity = d.get(0).similarity();
    int layers = firstSimilarity == null ? 0 : firstSimilarity.layers().size();
    for (int l = 0; l < layers; l++) {
      final int i = l;
      String layer = "MoE layer " + firstSimilarity.layers().get(l).layer();
      typedRow(sb, layer + " image/text routing TV", d, col, x -> x.routerLogits() == null ? NaN
          : at(x.routerLogits().separations(), i, RouterLogitStats.ModalitySeparation::totalVariation));
      typedRow(sb, layer + " token routing entropy (nats)", d, col, x -> x.routing() == null ? NaN
          : at(x.routing().layers(), i, RoutingEntropy.LayerEntropy::meanTokenEntropy));
      typedRow(sb, layer + " expert cosine similarity", d, col, x -> x.similarity() == null ? NaN
          : at(x.similarity().layers(), i, ExpertSimilarity.LayerSimilarity::meanOffDiagonal));
      typedRow(sb, layer + " image/text TV, hard top-1", d, col,
          x -> hardTotalVariation(x.separation(), i));
      typedRow(sb, layer + " same, routers at init", d, col,
          x -> hardTotalVariation(x.separationAtRouterInit(), i));
      typedRow(sb, layer + " expert output cosine", d, col, x -> x.expertOutputs() == null ? NaN
          : at(x.expertOutputs().layers(), i,
              ExpertOutputSimilarity.LayerOutputSimilarity::meanOffDiagonal));
      typedRow(sb, layer + " router logit min", d, col, x -> logitExtreme(x, i, true));
      typedRow(sb, layer + " router logit max", d, col, x -> logitExtreme(x, i, false));
    }
    typedRow(sb, "shuffle test: routed average", d, col,
        x -> x.shuffle() == null ? NaN : x.shuffle().baseline());
    typedRow(sb, "shuffle test: shuffled average", d, col,
        x -> x.shuffle() == null ? NaN : x.shuffle().shuffledMean());
    StandaloneExperts firstStandalone = d.get(0).standalone();
    int experts = firstStandalone == null ? 0 : firstStandalone.scores().length;
    for (int e = 0; e < experts; e++) {
      final int i = e;
      typedRow(sb, "standalone expert " + e + " average", d, col, x -> x.standalone() == null
          || i >= x.standalone().scores().length ? NaN : x.standalone().scores()[i]);
    }
    return sb.toString();
  }

  private static void typedRow(StringBuilder sb, String label, List<PipelineDiagnostics> arms,
      int col, ToDoubleFunction<PipelineDiagnostics> get) {
    sb.append(String.format(Locale.ROOT, "%-40s", label));
    for (PipelineDiagnostics a : arms) {
      double v = get.applyAsDouble(a);
      sb.append(Double.isFinite(v) ? String.format(Locale.ROOT, "%" + col + ".4f", v)
          : String.format("%" + col + "s", "-"));
    }
    sb.append('\n');
  }

  /** {@code f} of entry {@code i}, or NaN when the list is missing or shorter. */
  private static <T> double at(List<T> list, int i, ToDoubleFunction<T> f) {
    return list == null || i >= list.size() ? NaN : f.applyAsDouble(list.get(i));
  }

  /** The hard top-1 TV of layer entry {@code i}'s first modality pair, or NaN. */
  private static double hardTotalVariation(ModalitySeparation s, int i) {
    if (s == null || i >= s.layers().size() || s.layers().get(i).pairs().isEmpty()) {
      return NaN;
    }
    return s.layers().get(i).pairs().get(0).hardTotalVariation();
  }

  /**
   * The smallest ({@code min}) or largest router logit of MoE layer {@code layer} over every
   * modality and expert (routerLogits cells); NaN when the arm has none. A range of thousands
   * means a saturated softmax: the router gets no gradient from the language model.
   */
  static double logitExtreme(PipelineDiagnostics d, int layer, boolean min) {
    if (d.routerLogits() == null) {
      return NaN;
    }
    double v = min ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    boolean any = false;
    for (RouterLogitStats.LogitCell c : d.routerLogits().cells()) {
      double x = min ? c.min() : c.max();
      if (c.layer() == layer && !Double.isNaN(x)) {
        v = min ? Math.min(v, x) : Math.max(v, x);
        any = true;
      }
    }
    return any ? v : NaN;
  }

  /** A column width that fits every name with two spaces before it. */
  private static int width(List<String> names, int min) {
    int w = min;
    for (String n : names) {
      w = Math.max(w, n.length() + 2);
    }
    return w;
  }
}
