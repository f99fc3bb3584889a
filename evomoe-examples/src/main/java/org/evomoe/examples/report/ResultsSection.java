package org.evomoe.examples.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The results table: every task's accuracy, the POPE metrics per probe and the average, one
 * column per arm (and Stage I when present). The best value of a row is bold: the highest, except
 * for the POPE yes-ratio, where the best is the one closest to 0.5 (a balanced yes/no answerer;
 * the probes hold as many yes as no questions).
 */
final class ResultsSection {
  private ResultsSection() {}

  /** The POPE probes in table order. */
  static final List<String> PROBES = List.of("random", "popular", "adversarial", "all");
  /** The POPE metrics in table order. */
  static final List<String> POPE_METRICS = List.of("accuracy", "precision", "recall", "f1", "yesRatio");

  private record Column(String name, JsonNode node) {}

  static ReportSection build(JsonNode results) {
    List<String> notes = new ArrayList<>();
    List<Column> columns = new ArrayList<>();
    if (results.path("stage1").isObject()) {
      columns.add(new Column("Stage I", results.get("stage1")));
    }
    for (ArmResult a : ArmResult.all(results)) {
      columns.add(new Column(a.name(), a.node()));
    }
    String description = "Accuracy on the test split per task, POPE metrics per probe and the"
        + " average, one column per arm (Stage I: the shared starting point). The best value of"
        + " each row is bold (for the yes-ratio: the one closest to 0.5).";
    if (columns.isEmpty()) {
      notes.add("No arms and no Stage I results in results.json: no results table.");
      return new ReportSection("results", "Results", description, List.of(), List.of(), notes);
    }
    Set<String> tasks = new LinkedHashSet<>();
    for (Column c : columns) {
      c.node().path("tasks").fieldNames().forEachRemaining(tasks::add);
    }
    List<String> header = new ArrayList<>();
    header.add("metric");
    header.add("n");
    for (Column c : columns) {
      header.add(c.name());
    }
    HtmlTable table = new HtmlTable(null, header);
    for (String t : tasks) {
      row(table, t + " accuracy", columns, n -> n.path("tasks").path(t), "accuracy", false);
    }
    boolean pope = false;
    for (Column c : columns) {
      pope |= c.node().path("pope").isObject();
    }
    if (pope) {
      for (String probe : PROBES) {
        for (String m : POPE_METRICS) {
          row(table, "POPE " + probe + " " + (m.equals("yesRatio") ? "yes-ratio" : m), columns,
              n -> n.path("pope").path(probe), m, m.equals("yesRatio"));
        }
      }
    } else {
      notes.add("No POPE metrics in results.json.");
    }
    row(table, "average", columns, n -> n, "average", false);
    return new ReportSection("results", "Results", description, List.of(table), List.of(), notes);
  }

  /**
   * One row: {@code field} of the node {@code scope} selects in each column; the "n" cell is the
   * node's {@code total} when every column that has one agrees.
   */
  private static void row(HtmlTable table, String label, List<Column> columns,
      Function<JsonNode, JsonNode> scope, String field, boolean closestToHalf) {
    double[] v = new double[columns.size()];
    Set<String> totals = new LinkedHashSet<>();
    for (int i = 0; i < v.length; i++) {
      JsonNode node = scope.apply(columns.get(i).node());
      v[i] = JsonValues.number(node.get(field));
      if (JsonValues.isFinite(node.get("total"))) {
        totals.add(Html.number(JsonValues.number(node.get("total")), 0));
      }
    }
    double best = Double.NaN;
    for (double x : v) {
      if (Double.isFinite(x) && (Double.isNaN(best) || score(x, closestToHalf) > score(best, closestToHalf))) {
        best = x;
      }
    }
    List<HtmlTable.Cell> cells = new ArrayList<>();
    cells.add(new HtmlTable.Cell(label, false, true));
    cells.add(HtmlTable.Cell.of(totals.size() == 1 ? totals.iterator().next() : totals.isEmpty() ? "" : "varies"));
    for (int i = 0; i < v.length; i++) {
      boolean present = !scope.apply(columns.get(i).node()).path(field).isMissingNode();
      String text = present ? Html.number(v[i], 4) : "-";
      boolean bold = Double.isFinite(v[i]) && score(v[i], closestToHalf) == score(best, closestToHalf)
          && countFinite(v) > 1;
      cells.add(new HtmlTable.Cell(text, bold, false));
    }
    table.cells(cells);
  }

  private static double score(double x, boolean closestToHalf) {
    return closestToHalf ? -Math.abs(x - 0.5) : x;
  }

  private static int countFinite(double[] v) {
    int k = 0;
    for (double x : v) {
      if (Double.isFinite(x)) {
        k++;
      }
    }
    return k;
  }
}
