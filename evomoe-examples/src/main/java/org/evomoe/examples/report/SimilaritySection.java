package org.evomoe.examples.report;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.evomoe.diagnostics.ExpertSimilarity;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.style.Styler;

/**
 * Expert weight similarity: one heat map per arm and layer of the E x E cosine matrix, the mean
 * off-diagonal cosine in the title. The colour scale spans the matrix's own range (upcycled
 * experts sit within 0.001 of 1, which a fixed [-1, 1] scale would paint in one colour); the
 * value of every cell is printed in it.
 */
final class SimilaritySection {
  private SimilaritySection() {}

  static ReportSection build(List<ArmResult> all, ChartFiles files) throws IOException {
    List<String> notes = new ArrayList<>();
    List<ReportFigure> figures = new ArrayList<>();
    String description = "Cosine similarity of the experts' flattened weights [gate, up, down]"
        + " per MoE layer. Upcycled copies start at 1; expert evolution and training move them"
        + " apart. The colour scale of each map spans that map's own values, so compare maps by"
        + " the printed numbers.";
    HtmlTable summary = new HtmlTable("Mean off-diagonal cosine per layer",
        List.of("arm", "layer", "experts", "parameters per expert", "mean off-diagonal cosine"));
    boolean any = false;
    for (ArmResult a : all) {
      ExpertSimilarity similarity = a.hasDiagnostics() ? a.diagnostics().similarity() : null;
      if (similarity == null) {
        if (a.hasDiagnostics()) {
          notes.add("Arm " + a.name() + ": no expert similarity in its diagnostics.");
        }
        continue;
      }
      any = true;
      for (ExpertSimilarity.LayerSimilarity layer : similarity.layers()) {
        String name = Integer.toString(layer.layer());
        double mean = layer.meanOffDiagonal();
        summary.row(List.of(a.name(), name, Html.number(layer.numExperts(), 0),
            Html.number(layer.parametersPerExpert(), 0), Html.number(mean, 6)));
        heatMap(a.name(), name, layer.cosine(), mean, files, figures, notes);
      }
    }
    if (!any) {
      notes.add("No arm has expert-similarity diagnostics: no heat maps.");
    }
    return new ReportSection("similarity", "Expert similarity", description,
        summary.rowCount() > 0 ? List.of(summary) : List.of(), figures, notes);
  }

  private static void heatMap(String arm, String layer, double[][] cosine, double mean,
      ChartFiles files, List<ReportFigure> figures, List<String> notes) throws IOException {
    String what = arm + ", layer " + layer;
    int e = cosine == null ? 0 : cosine.length;
    if (e == 0) {
      notes.add(what + ": no cosine matrix, heat map skipped.");
      return;
    }
    List<Number[]> cells = new ArrayList<>();
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    int nonFinite = 0;
    for (int i = 0; i < e; i++) {
      double[] row = cosine[i] == null ? new double[0] : cosine[i];
      if (row.length != e) {
        notes.add(what + ": cosine row " + i + " has " + row.length + " entries for " + e
            + " experts, heat map skipped.");
        return;
      }
      for (int j = 0; j < e; j++) {
        if (!Double.isFinite(row[j])) {
          nonFinite++;
          continue;
        }
        // Row i at the top: y counts upwards, so expert i sits at y = e - 1 - i.
        cells.add(new Number[] {j, e - 1 - i, row[j]});
        lo = Math.min(lo, row[j]);
        hi = Math.max(hi, row[j]);
      }
    }
    if (nonFinite > 0) {
      notes.add(what + ": " + nonFinite + " undefined cosine(s) (an all-zero expert) left blank.");
    }
    if (cells.isEmpty()) {
      notes.add(what + ": no finite cosine, heat map skipped.");
      return;
    }
    if (hi - lo < 1e-9) {
      lo = hi - 1e-3;
    }
    // The colour legend prints its ends unformatted: round them outwards to the cell precision.
    int decimals = hi - lo < 0.01 ? 5 : 3;
    double scale = Math.pow(10, decimals);
    lo = Math.floor(lo * scale) / scale;
    hi = Math.ceil(hi * scale) / scale;
    List<String> xs = new ArrayList<>();
    List<String> ys = new ArrayList<>();
    for (int i = 0; i < e; i++) {
      xs.add("expert " + i);
      ys.add("expert " + (e - 1 - i));
    }
    HeatMapChart chart = new HeatMapChart(ChartStyle.SQUARE_WIDTH, ChartStyle.SQUARE_HEIGHT,
        Styler.ChartTheme.XChart);
    chart.setTitle(what + ": cosine, mean off-diagonal "
        + (Double.isFinite(mean) ? Html.number(mean, 5) : "undefined"));
    chart.setXAxisTitle("expert");
    chart.setYAxisTitle("expert");
    ChartStyle.apply(chart.getStyler());
    chart.getStyler().setSeriesColors(new Color[] {Color.GRAY});
    chart.getStyler().setMin(lo);
    chart.getStyler().setMax(hi);
    chart.getStyler().setRangeColors(new Color[] {new Color(0xF7FBFF), new Color(0xC6DBEF),
        new Color(0x4292C6)});
    chart.getStyler().setShowValue(true);
    chart.getStyler().setValueFont(new Font(Font.SANS_SERIF, Font.PLAIN, e <= 6 ? 13 : 10));
    String pattern = "0." + "0".repeat(decimals);
    chart.getStyler().setHeatMapValueDecimalPattern(pattern);
    chart.getStyler().setDecimalPattern(pattern);
    chart.addSeries("cosine", xs, ys, cells);
    figures.add(files.save(chart, "similarity-" + arm + "-layer" + layer,
        "Expert cosine similarity: " + what + "."));
  }
}
