package org.evomoe.examples.report;

import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.evomoe.examples.study.DataInfo;

/**
 * The report header: the command, seed, data source and sizes, model and training sizes, total
 * seconds and peak memory of the run, then every setting and data field in a collapsible table.
 *
 * <p>The settings are read by name from the fields as written ({@link ReportedResults#settings}):
 * version 1 and version 2 files hold different settings, and a field a file lacks is left out of
 * its line.
 */
final class RunHeader {
  private RunHeader() {}

  static HtmlTable summary(ReportedResults results) {
    Map<String, Object> settings = results.settings();
    DataInfo data = results.data();
    HtmlTable t = new HtmlTable(null, List.of("run", "value"));
    add(t, "command", results.command() == null ? "" : results.command());
    add(t, "seed", results.seed() != null ? Long.toString(results.seed())
        : ResultsFile.text(scalar(settings.get("seed"))));
    if (data != null) {
      add(t, "data source", data.source() == null ? "" : data.source());
      add(t, "data sizes", "train " + data.train() + ", test " + data.test() + ", evaluated "
          + data.evaluated() + ", vocabulary " + data.vocabulary() + ", sequence length "
          + data.sequenceLength());
    }
    add(t, "model", fields(settings, new String[][] {{"dModel", "d_model"}, {"layers", "layers"},
        {"heads", "heads"}, {"kvHeads", "kv heads"}, {"ffnHidden", "FFN hidden"},
        {"experts", "experts"}, {"dVision", "vision width"}, {"patch", "patch"}}));
    add(t, "training", fields(settings, new String[][] {{"batchSize", "batch"},
        {"alignSteps", "alignment steps"}, {"stage1Steps", "Stage I steps"},
        {"stage2Steps", "Stage II steps"}, {"stage3Steps", "Stage III steps"}, {"lr", "lr"},
        {"lrAfter", "lr after Stage I"}}));
    add(t, "evaluation", fields(settings, new String[][] {{"evalSamples", "evaluation samples"},
        {"diagnosticSamples", "diagnostic samples"}}));
    double seconds = results.seconds();
    add(t, "total seconds", Double.isFinite(seconds) ? Html.number(seconds, 1) : "");
    double rss = results.peakRssMiB();
    add(t, "peak RSS (MiB)", Double.isFinite(rss) ? Html.number(rss, 0) : "");
    return t;
  }

  /** Every field of {@code settings} and {@code data}, for the collapsible details. */
  static HtmlTable allFields(ReportedResults results) {
    HtmlTable t = new HtmlTable(null, List.of("field", "value"));
    rows(t, "settings", results.settings());
    rows(t, "data", ResultsFile.fields(results.data()));
    return t;
  }

  private static void rows(HtmlTable t, String group, Map<String, Object> fields) {
    fields.forEach((name, value) -> t.row(List.of(group + "." + name, ResultsFile.text(value))));
  }

  private static void add(HtmlTable t, String label, String value) {
    if (value != null && !value.isEmpty()) {
      t.row(List.of(label, value));
    }
  }

  /** "label value" for each named setting the file has (containers and nulls left out). */
  private static String fields(Map<String, Object> settings, String[][] keysAndLabels) {
    StringJoiner j = new StringJoiner(", ");
    for (String[] kl : keysAndLabels) {
      Object v = scalar(settings.get(kl[0]));
      if (v != null) {
        j.add(kl[1] + " " + ResultsFile.text(v));
      }
    }
    return j.toString();
  }

  /** The value when it is a single value, null when it is absent, null or a list or object. */
  private static Object scalar(Object v) {
    return v instanceof Map || v instanceof List ? null : v;
  }
}
