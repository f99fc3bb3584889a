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
      sb.append(String.format(Locale.ROOT, "%12s", a.get("arm").asText()));
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
    return sb.toString();
  }

  private static void row(StringBuilder sb, String label, List<JsonNode> arms,
      java.util.function.Function<JsonNode, JsonNode> get) {
    sb.append(String.format(Locale.ROOT, "%-28s", label));
    for (JsonNode a : arms) {
      JsonNode v = get.apply(a);
      sb.append(v.isNumber() ? String.format(Locale.ROOT, "%12.4f", v.asDouble()) : String.format("%12s", "-"));
    }
    sb.append('\n');
  }
}
