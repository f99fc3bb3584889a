package org.evomoe.examples.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The report header: the command, seed, data source and sizes, model and training sizes, total
 * seconds and peak memory of the run, then every setting and data field in a collapsible table.
 */
final class RunHeader {
  private RunHeader() {}

  static HtmlTable summary(JsonNode results) {
    JsonNode settings = results.path("settings");
    JsonNode data = results.path("data");
    HtmlTable t = new HtmlTable(null, List.of("run", "value"));
    add(t, "command", text(results.get("command")));
    JsonNode seed = results.has("seed") ? results.get("seed") : settings.get("seed");
    add(t, "seed", text(seed));
    add(t, "data source", text(data.get("source")));
    add(t, "data sizes", fields(data, new String[][] {{"train", "train"}, {"test", "test"},
        {"evaluated", "evaluated"}, {"vocabulary", "vocabulary"},
        {"sequenceLength", "sequence length"}}));
    add(t, "model", fields(settings, new String[][] {{"dModel", "d_model"}, {"layers", "layers"},
        {"heads", "heads"}, {"kvHeads", "kv heads"}, {"ffnHidden", "FFN hidden"},
        {"experts", "experts"}, {"dVision", "vision width"}, {"patch", "patch"}}));
    add(t, "training", fields(settings, new String[][] {{"batchSize", "batch"},
        {"alignSteps", "alignment steps"}, {"stage1Steps", "Stage I steps"},
        {"stage2Steps", "Stage II steps"}, {"stage3Steps", "Stage III steps"}, {"lr", "lr"},
        {"lrAfter", "lr after Stage I"}}));
    add(t, "evaluation", fields(settings, new String[][] {{"evalSamples", "evaluation samples"},
        {"diagnosticSamples", "diagnostic samples"}}));
    double seconds = JsonValues.number(results.get("seconds"));
    add(t, "total seconds", Double.isFinite(seconds) ? Html.number(seconds, 1) : "");
    double rss = JsonValues.number(results.get("peakRssMiB"));
    add(t, "peak RSS (MiB)", Double.isFinite(rss) ? Html.number(rss, 0) : "");
    return t;
  }

  /** Every scalar field of {@code settings} and {@code data}, for the collapsible details. */
  static HtmlTable allFields(JsonNode results) {
    HtmlTable t = new HtmlTable(null, List.of("field", "value"));
    for (String group : new String[] {"settings", "data"}) {
      JsonNode n = results.path(group);
      for (Map.Entry<String, JsonNode> e : iterable(n.fields())) {
        t.row(List.of(group + "." + e.getKey(), e.getValue().isContainerNode()
            ? e.getValue().toString() : text(e.getValue())));
      }
    }
    return t;
  }

  private static void add(HtmlTable t, String label, String value) {
    if (value != null && !value.isEmpty()) {
      t.row(List.of(label, value));
    }
  }

  private static String fields(JsonNode n, String[][] keysAndLabels) {
    StringJoiner j = new StringJoiner(", ");
    for (String[] kl : keysAndLabels) {
      JsonNode v = n.get(kl[0]);
      if (v != null && !v.isNull() && !v.isContainerNode()) {
        j.add(kl[1] + " " + v.asText());
      }
    }
    return j.toString();
  }

  private static String text(JsonNode n) {
    return JsonValues.text(n, "");
  }

  private static <T> Iterable<T> iterable(Iterator<T> it) {
    List<T> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
