package org.evomoe.examples.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The demo's results as a plain-text table: one row per metric, one column per arm. */
public final class ResultsTable {
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
      sb.append(String.format(Locale.ROOT, "%" + width(arms, 12) + "s", a.get("arm").asText()));
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
    row(sb, label, arms, get, 28, width(arms, 12));
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
   * weight and output similarity, shuffle test and standalone experts.
   */
  public static String renderDiagnostics(JsonNode results) {
    List<JsonNode> arms = new ArrayList<>();
    results.get("arms").forEach(a -> {
      if (a.path("diagnostics").size() > 0) {
        arms.add(a);
      }
    });
    if (arms.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-40s", "diagnostic"));
    for (JsonNode a : arms) {
      sb.append(String.format(Locale.ROOT, "%" + width(arms, 14) + "s", a.get("arm").asText()));
    }
    sb.append('\n');
    int layers = arms.get(0).at("/diagnostics/similarity/layers").size();
    for (int l = 0; l < layers; l++) {
      final int i = l;
      String layer = arms.get(0).at("/diagnostics/similarity/layers/" + l + "/layer").asText();
      row(sb, "MoE layer " + layer + " image/text routing TV", arms,
          a -> a.at("/diagnostics/routerLogits/separations/" + i + "/totalVariation"), 40, width(arms, 14));
      row(sb, "MoE layer " + layer + " token routing entropy (nats)", arms,
          a -> a.at("/diagnostics/routing/layers/" + i + "/meanTokenEntropy"), 40, width(arms, 14));
      row(sb, "MoE layer " + layer + " expert cosine similarity", arms,
          a -> a.at("/diagnostics/similarity/layers/" + i + "/meanOffDiagonal"), 40, width(arms, 14));
      row(sb, "MoE layer " + layer + " image/text TV, hard top-1", arms,
          a -> a.at("/diagnostics/separation/layers/" + i + "/pairs/0/hardTotalVariation"), 40, width(arms, 14));
      row(sb, "MoE layer " + layer + " same, routers at init", arms,
          a -> a.at("/diagnostics/separationAtRouterInit/layers/" + i + "/pairs/0/hardTotalVariation"), 40, width(arms, 14));
      row(sb, "MoE layer " + layer + " expert output cosine", arms,
          a -> a.at("/diagnostics/expertOutputs/layers/" + i + "/meanOffDiagonal"), 40, width(arms, 14));
      row(sb, "MoE layer " + layer + " router logit min", arms,
          a -> logitExtreme(a, i, "min"), 40, width(arms, 14));
      row(sb, "MoE layer " + layer + " router logit max", arms,
          a -> logitExtreme(a, i, "max"), 40, width(arms, 14));
    }
    row(sb, "shuffle test: routed average", arms, a -> a.at("/diagnostics/shuffle/baseline"), 40, width(arms, 14));
    row(sb, "shuffle test: shuffled average", arms, a -> a.at("/diagnostics/shuffle/shuffledMean"), 40, width(arms, 14));
    int experts = arms.get(0).at("/diagnostics/standalone/scores").size();
    for (int e = 0; e < experts; e++) {
      final int i = e;
      row(sb, "standalone expert " + e + " average", arms, a -> a.at("/diagnostics/standalone/scores/" + i), 40, width(arms, 14));
    }
    return sb.toString();
  }

  /**
   * The smallest ({@code "min"}) or largest ({@code "max"}) router logit of MoE layer {@code layer}
   * over every modality and expert (routerLogits cells); missing when the arm has none. A range of
   * thousands means a saturated softmax: the router gets no gradient from the language model.
   */
  static JsonNode logitExtreme(JsonNode arm, int layer, String which) {
    double v = which.equals("min") ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    boolean any = false;
    for (JsonNode c : arm.at("/diagnostics/routerLogits/cells")) {
      if (c.path("layer").asInt(-1) == layer && c.path(which).isNumber()) {
        double x = c.get(which).asDouble();
        v = which.equals("min") ? Math.min(v, x) : Math.max(v, x);
        any = true;
      }
    }
    return any ? com.fasterxml.jackson.databind.node.DoubleNode.valueOf(v)
        : com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }

  /** A column width that fits every arm name with two spaces before it. */
  private static int width(List<JsonNode> arms, int min) {
    int w = min;
    for (JsonNode a : arms) {
      w = Math.max(w, a.path("arm").asText().length() + 2);
    }
    return w;
  }
}
