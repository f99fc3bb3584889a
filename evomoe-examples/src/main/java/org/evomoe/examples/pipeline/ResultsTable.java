package org.evomoe.examples.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
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

/** The demo's results as a plain-text table: one row per metric, one column per arm. */
public final class ResultsTable {
  private static final double NaN = Double.NaN;

  private ResultsTable() {}

  /** Renders the "arms" of a results tree. */
  public static String render(JsonNode results) {
    List<JsonNode> arms = new ArrayList<>();
    results.get("arms").forEach(arms::add);
    Set<String> tasks = new LinkedHashSet<>();
    for (JsonNode a : arms) {
      a.get("tasks").fieldNames().forEachRemaining(tasks::add);
    }
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-28s", "metric"));
    for (JsonNode a : arms) {
      sb.append(String.format(Locale.ROOT, "%" + width(names(arms), 12) + "s", a.get("arm").asText()));
    }
    sb.append('\n');
    for (String t : tasks) {
      row(sb, "accuracy " + t, arms, a -> a.path("tasks").path(t).path("accuracy"));
    }
    for (String probe : new String[] {"random", "popular", "adversarial", "all"}) {
      for (String m : new String[] {"accuracy", "precision", "recall", "f1", "yesRatio"}) {
        if (!probe.equals("all") && !m.equals("accuracy") && !m.equals("f1")) {
          continue;
        }
        row(sb, "pope " + probe + " " + m, arms, a -> a.path("pope").path(probe).path(m));
      }
    }
    row(sb, "average", arms, a -> a.path("average"));
    if (arms.stream().anyMatch(a -> a.has("heldOut"))) {
      for (String t : tasks) {
        row(sb, "held-out " + t, arms, a -> a.path("heldOut").path("tasks").path(t).path("accuracy"));
      }
      row(sb, "held-out average", arms, a -> a.path("heldOut").path("average"));
    }
    return sb.toString();
  }

  private static void row(StringBuilder sb, String label, List<JsonNode> arms,
      java.util.function.Function<JsonNode, JsonNode> get) {
    row(sb, label, arms, get, 28, width(names(arms), 12));
  }

  private static void row(StringBuilder sb, String label, List<JsonNode> arms,
      java.util.function.Function<JsonNode, JsonNode> get, int width, int col) {
    sb.append(String.format(Locale.ROOT, "%-" + width + "s", label));
    for (JsonNode a : arms) {
      JsonNode v = get.apply(a);
      sb.append(v.isNumber() ? String.format(Locale.ROOT, "%" + col + ".4f", v.asDouble())
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

  private static List<String> names(List<JsonNode> arms) {
    return arms.stream().map(a -> a.path("arm").asText()).toList();
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
