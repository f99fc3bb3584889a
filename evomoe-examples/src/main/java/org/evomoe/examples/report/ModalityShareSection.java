package org.evomoe.examples.report;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.evomoe.diagnostics.ModalityShares;
import org.evomoe.router.Modality;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * Per-layer expert token share by modality for each MoE arm (the paper's Fig. 5): grouped bars,
 * x = expert, one series per modality, one chart per arm and layer. All charts share one y range
 * so arms and layers compare at a glance.
 */
final class ModalityShareSection {
  private ModalityShareSection() {}

  static ReportSection build(List<ArmResult> all, ChartFiles files) throws IOException {
    List<String> notes = new ArrayList<>();
    List<ReportFigure> figures = new ArrayList<>();
    String description = "Share of each modality's top-k assignments that go to each expert, per"
        + " MoE layer (a modality's bars sum to 1). Near-equal bars for both modalities mean"
        + " modality-blind routing; separated bars mean the router tells image from text tokens.";
    List<ArmResult> arms = new ArrayList<>();
    for (ArmResult a : all) {
      if (a.hasDiagnostics() && a.diagnostics().modalityShares() != null) {
        arms.add(a);
      } else if (a.hasDiagnostics()) {
        notes.add("Arm " + a.name() + ": no modality shares in its diagnostics.");
      }
    }
    if (arms.isEmpty()) {
      notes.add("No arm has modality-share diagnostics: no charts.");
      return new ReportSection("shares", "Expert share by modality", description, List.of(),
          figures, notes);
    }
    double top = 0;
    for (ArmResult a : arms) {
      for (ModalityShares.LayerShares layer : a.diagnostics().modalityShares().layers()) {
        for (double[] shares : layer.shares().values()) {
          for (double v : shares) {
            if (Double.isFinite(v)) {
              top = Math.max(top, v);
            }
          }
        }
      }
    }
    double yMax = Math.min(1.0, Math.ceil(top * 10 + 1e-9) / 10.0);
    if (yMax <= 0) {
      yMax = 1.0;
    }
    HtmlTable tokens = new HtmlTable("Tokens per modality in the diagnostic pass",
        List.of("arm", "layer", "modality", "tokens", "largest share", "smallest share"));
    for (ArmResult a : arms) {
      for (ModalityShares.LayerShares layer : a.diagnostics().modalityShares().layers()) {
        chart(a.name(), layer, yMax, files, figures, notes, tokens);
      }
    }
    return new ReportSection("shares", "Expert share by modality", description,
        tokens.rowCount() > 0 ? List.of(tokens) : List.of(), figures, notes);
  }

  private static void chart(String arm, ModalityShares.LayerShares layer, double yMax, ChartFiles files,
      List<ReportFigure> figures, List<String> notes, HtmlTable tokens) throws IOException {
    String layerName = Integer.toString(layer.layer());
    int experts = layer.numExperts();
    String what = arm + ", layer " + layerName;
    if (experts <= 0) {
      notes.add(what + ": expert count missing, shares chart skipped.");
      return;
    }
    CategoryChart chart = new CategoryChart(ChartStyle.WIDE_WIDTH, ChartStyle.WIDE_HEIGHT);
    chart.setTitle(what + ": expert share by modality");
    chart.setXAxisTitle("expert");
    chart.setYAxisTitle("share of the modality's assignments");
    ChartStyle.apply(chart.getStyler());
    chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setYAxisMax(yMax);
    chart.getStyler().setYAxisDecimalPattern("0.00");
    List<String> xs = new ArrayList<>();
    for (int e = 0; e < experts; e++) {
      xs.add("expert " + e);
    }
    int index = 0;
    for (Map.Entry<Modality, double[]> m : layer.shares().entrySet()) {
      String modality = m.getKey().label();
      double[] shares = m.getValue();
      index++;
      if (shares.length != experts) {
        notes.add(what + ", " + modality + ": " + shares.length + " shares for " + experts
            + " experts, series skipped.");
        continue;
      }
      boolean finite = true;
      List<Double> ys = new ArrayList<>();
      double lo = Double.POSITIVE_INFINITY;
      double hi = Double.NEGATIVE_INFINITY;
      for (double v : shares) {
        finite &= Double.isFinite(v);
        ys.add(v);
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      if (!finite) {
        notes.add(what + ", " + modality + ": non-finite share, series skipped.");
        continue;
      }
      CategorySeries s = chart.addSeries(modality, xs, ys);
      s.setFillColor(ChartStyle.modalityColor(modality, index));
      tokens.row(List.of(arm, layerName, modality,
          Html.number(tokens(layer, m.getKey()), 0),
          Html.number(hi, 4), Html.number(lo, 4)));
    }
    if (chart.getSeriesMap().isEmpty()) {
      notes.add(what + ": no usable shares, chart skipped.");
      return;
    }
    figures.add(files.save(chart, "shares-" + arm + "-layer" + layerName,
        "Expert share by modality: " + what + "."));
  }

  /** The modality's token count, or NaN when the file does not give it. */
  private static double tokens(ModalityShares.LayerShares layer, Modality m) {
    Long n = layer.tokens() == null ? null : layer.tokens().get(m);
    return n == null ? Double.NaN : n;
  }
}
