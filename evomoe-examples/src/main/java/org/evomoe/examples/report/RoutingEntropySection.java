package org.evomoe.examples.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * Routing entropy per MoE arm and layer as a table: mean token entropy (all tokens and per
 * modality), the maximum ln E, the load entropy and the dead experts.
 */
final class RoutingEntropySection {
  private RoutingEntropySection() {}

  static ReportSection build(JsonNode results) {
    List<String> notes = new ArrayList<>();
    String description = "Mean entropy of each token's routing distribution (ln E = uniform, 0 ="
        + " one-hot), per modality, and the entropy of the expert load (ln E = perfectly"
        + " balanced). Dead experts received no token (or less than the threshold share).";
    HtmlTable table = new HtmlTable(null, List.of("arm", "layer", "tokens", "token entropy",
        "token entropy IMAGE", "token entropy TEXT", "max (ln E)", "load entropy", "load shares",
        "dead experts"));
    boolean any = false;
    for (ArmResult a : ArmResult.all(results)) {
      JsonNode layers = a.diagnostic("routing").path("layers");
      if (!layers.isArray()) {
        if (a.hasDiagnostics()) {
          notes.add("Arm " + a.name() + ": no routing entropy in its diagnostics.");
        }
        continue;
      }
      any = true;
      for (JsonNode l : layers) {
        JsonNode byModality = l.path("meanTokenEntropyByModality");
        StringJoiner dead = new StringJoiner(", ");
        for (double d : JsonValues.numbers(l.get("deadExperts"))) {
          dead.add(Html.number(d, 0));
        }
        table.row(List.of(a.name(), JsonValues.text(l.get("layer"), "?"),
            Html.number(JsonValues.number(l.get("tokens")), 0),
            Html.number(JsonValues.number(l.get("meanTokenEntropy")), 4),
            optional(byModality.get("IMAGE")), optional(byModality.get("TEXT")),
            Html.number(JsonValues.number(l.get("maxEntropy")), 4),
            Html.number(JsonValues.number(l.get("loadEntropy")), 4),
            Html.numbers(JsonValues.numbers(l.get("loadShares")), 3),
            dead.length() == 0 ? "none" : dead.toString()));
      }
    }
    if (!any) {
      notes.add("No arm has routing-entropy diagnostics: no table.");
    }
    return new ReportSection("entropy", "Routing entropy", description,
        table.rowCount() > 0 ? List.of(table) : List.of(), List.of(), notes);
  }

  private static String optional(JsonNode n) {
    return n == null ? "-" : Html.number(JsonValues.number(n), 4);
  }
}
