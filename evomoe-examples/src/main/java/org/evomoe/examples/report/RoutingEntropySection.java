package org.evomoe.examples.report;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import org.evomoe.diagnostics.RoutingEntropy;
import org.evomoe.router.Modality;

/**
 * Routing entropy per MoE arm and layer as a table: mean token entropy (all tokens and per
 * modality), the maximum ln E, the load entropy and the dead experts.
 */
final class RoutingEntropySection {
  private RoutingEntropySection() {}

  static ReportSection build(List<ArmResult> all) {
    List<String> notes = new ArrayList<>();
    String description = "Mean entropy of each token's routing distribution (ln E = uniform, 0 ="
        + " one-hot), per modality, and the entropy of the expert load (ln E = perfectly"
        + " balanced). Dead experts received no token (or less than the threshold share).";
    HtmlTable table = new HtmlTable(null, List.of("arm", "layer", "tokens", "token entropy",
        "token entropy IMAGE", "token entropy TEXT", "max (ln E)", "load entropy", "load shares",
        "dead experts"));
    boolean any = false;
    for (ArmResult a : all) {
      RoutingEntropy routing = a.hasDiagnostics() ? a.diagnostics().routing() : null;
      if (routing == null) {
        if (a.hasDiagnostics()) {
          notes.add("Arm " + a.name() + ": no routing entropy in its diagnostics.");
        }
        continue;
      }
      any = true;
      for (RoutingEntropy.LayerEntropy l : routing.layers()) {
        StringJoiner dead = new StringJoiner(", ");
        if (l.deadExperts() != null) {
          for (int d : l.deadExperts()) {
            dead.add(Integer.toString(d));
          }
        }
        table.row(List.of(a.name(), Integer.toString(l.layer()),
            Html.number(l.tokens(), 0),
            Html.number(l.meanTokenEntropy(), 4),
            optional(l, Modality.IMAGE), optional(l, Modality.TEXT),
            Html.number(l.maxEntropy(), 4),
            Html.number(l.loadEntropy(), 4),
            Html.numbers(l.loadShares() == null ? new double[0] : l.loadShares(), 3),
            dead.length() == 0 ? "none" : dead.toString()));
      }
    }
    if (!any) {
      notes.add("No arm has routing-entropy diagnostics: no table.");
    }
    return new ReportSection("entropy", "Routing entropy", description,
        table.rowCount() > 0 ? List.of(table) : List.of(), List.of(), notes);
  }

  /** The mean token entropy of the modality's tokens, or "-" when the layer saw none. */
  private static String optional(RoutingEntropy.LayerEntropy l, Modality m) {
    Double h = l.meanTokenEntropyByModality() == null ? null
        : l.meanTokenEntropyByModality().get(m);
    return h == null ? "-" : Html.number(h, 4);
  }
}
