package org.evomoe.examples.report;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.evomoe.examples.study.PopeMetrics;
import org.evomoe.examples.study.Scores;
import org.evomoe.examples.study.TaskAccuracy;

/**
 * The results table: every task's accuracy, the POPE metrics per probe and the average, one
 * column per arm (and Stage I when present). The best value of a row is bold: the highest, except
 * for the POPE yes-ratio, where the best is the one closest to 0.5 (a balanced yes/no answerer;
 * the probes hold as many yes as no questions).
 */
final class ResultsSection {
  private ResultsSection() {}

  /** The POPE probes in table order. */
  static final List<String> PROBES = PopeMetrics.PROBES;

  /**
   * One column: the arm (or Stage I) and its scores.
   *
   * @param name the column heading
   * @param scores the scores shown
   */
  private record Column(String name, Scores scores) {}

  static ReportSection build(ReportedResults results) {
    List<String> notes = new ArrayList<>();
    List<Column> columns = new ArrayList<>();
    if (results.stage1() != null) {
      columns.add(new Column("Stage I", results.stage1()));
    }
    for (ArmResult a : ArmResult.all(results)) {
      columns.add(new Column(a.name(), a.summary().scores()));
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
      tasks.addAll(c.scores().tasks().keySet());
    }
    List<String> header = new ArrayList<>();
    header.add("metric");
    header.add("n");
    for (Column c : columns) {
      header.add(c.name());
    }
    HtmlTable table = new HtmlTable(null, header);
    for (String t : tasks) {
      row(table, t + " accuracy", columns, s -> {
        TaskAccuracy a = s.tasks().get(t);
        return a == null ? ScoreCell.ABSENT : ScoreCell.of(a.accuracy(), a.total());
      }, false);
    }
    boolean pope = false;
    for (Column c : columns) {
      pope |= !c.scores().pope().isEmpty();
    }
    if (pope) {
      for (String probe : PROBES) {
        for (Map.Entry<String, ToDoubleFunction<PopeMetrics>> m : PopeMetrics.METRICS.entrySet()) {
          boolean yesRatio = m.getKey().equals("yesRatio");
          row(table, "POPE " + probe + " " + (yesRatio ? "yes-ratio" : m.getKey()), columns, s -> {
            PopeMetrics p = s.pope().get(probe);
            return p == null ? ScoreCell.ABSENT
                : ScoreCell.of(m.getValue().applyAsDouble(p), p.total());
          }, yesRatio);
        }
      }
    } else {
      notes.add("No POPE metrics in results.json.");
    }
    row(table, "average", columns, s -> ScoreCell.withoutTotal(s.average()), false);
    return new ReportSection("results", "Results", description, List.of(table), List.of(), notes);
  }

  /**
   * One row: the cell {@code cell} picks from each column's scores; the "n" cell is the entries'
   * total when every column that has one agrees.
   */
  private static void row(HtmlTable table, String label, List<Column> columns,
      Function<Scores, ScoreCell> cell, boolean closestToHalf) {
    double[] v = new double[columns.size()];
    boolean[] present = new boolean[columns.size()];
    Set<String> totals = new LinkedHashSet<>();
    for (int i = 0; i < v.length; i++) {
      ScoreCell c = cell.apply(columns.get(i).scores());
      v[i] = c.value();
      present[i] = c.present();
      if (c.hasTotal()) {
        totals.add(Html.number(c.total(), 0));
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
      String text = present[i] ? Html.number(v[i], 4) : "-";
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
