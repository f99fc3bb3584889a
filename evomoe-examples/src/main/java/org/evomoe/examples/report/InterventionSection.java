package org.evomoe.examples.report;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.evomoe.diagnostics.RouterShuffle;
import org.evomoe.diagnostics.StandaloneExperts;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * The intervention tests of the MoE arms: the router shuffle test (baseline vs the mean and
 * sample std of the runs with permuted logits) and the standalone experts (every layer forced to
 * expert i) against the routed baseline.
 */
final class InterventionSection {
  private InterventionSection() {}

  static ReportSection build(List<ArmResult> all, ChartFiles files) throws IOException {
    List<String> notes = new ArrayList<>();
    List<ReportFigure> figures = new ArrayList<>();
    String description = "Router shuffle test: each token's router logits are permuted over the"
        + " experts at inference (one run per seed). If the score barely moves, the router's"
        + " choice does not matter (interchangeable experts). Standalone experts: every MoE layer"
        + " forced to expert i (router bypassed). Scores are the average accuracy on the"
        + " diagnostic samples; error bars are the sample standard deviation over the seeds.";
    HtmlTable shuffleTable = new HtmlTable("Router shuffle test",
        List.of("arm", "baseline", "shuffled runs", "shuffled mean", "shuffled std", "delta"));
    HtmlTable standaloneTable = new HtmlTable("Standalone experts",
        List.of("arm", "routed baseline", "expert scores", "best expert", "best - routed"));
    List<String> arms = new ArrayList<>();
    List<Double> baselines = new ArrayList<>();
    List<Double> means = new ArrayList<>();
    List<Double> stds = new ArrayList<>();
    for (ArmResult a : all) {
      RouterShuffle shuffle = a.hasDiagnostics() ? a.diagnostics().shuffle() : null;
      if (shuffle != null) {
        double baseline = shuffle.baseline();
        double mean = shuffle.shuffledMean();
        double std = shuffle.shuffledStd();
        shuffleTable.row(List.of(a.name(), Html.number(baseline, 4),
            Html.numbers(shuffle.shuffled(), 4), Html.number(mean, 4), Html.number(std, 4),
            Html.number(shuffle.delta(), 4)));
        if (Double.isFinite(baseline) && Double.isFinite(mean)) {
          arms.add(a.name());
          baselines.add(baseline);
          means.add(mean);
          stds.add(Double.isFinite(std) ? std : 0.0);
          if (!Double.isFinite(std)) {
            notes.add("Arm " + a.name() + ": shuffled std is not finite, drawn without error bar.");
          }
        } else {
          notes.add("Arm " + a.name() + ": shuffle baseline or mean is not finite, left out of the chart.");
        }
      } else if (a.hasDiagnostics()) {
        notes.add("Arm " + a.name() + ": no shuffle test in its diagnostics.");
      }
      StandaloneExperts standalone = a.hasDiagnostics() ? a.diagnostics().standalone() : null;
      if (standalone != null) {
        standalone(a.name(), standalone, standaloneTable, files, figures, notes);
      } else if (a.hasDiagnostics()) {
        notes.add("Arm " + a.name() + ": no standalone-expert scores in its diagnostics.");
      }
    }
    if (!arms.isEmpty()) {
      CategoryChart chart = barChart("Router shuffle test: routed vs shuffled logits", "arm");
      List<Double> zeros = new ArrayList<>();
      for (int i = 0; i < arms.size(); i++) {
        zeros.add(0.0);
      }
      CategorySeries b = chart.addSeries("routed (baseline)", arms, baselines, zeros);
      b.setFillColor(ChartStyle.color(0));
      CategorySeries s = chart.addSeries("logits shuffled (mean, std)", arms, means, stds);
      s.setFillColor(ChartStyle.color(1));
      List<Double> heights = new ArrayList<>(baselines);
      for (int i = 0; i < means.size(); i++) {
        heights.add(means.get(i) + stds.get(i));
      }
      keepZeroVisible(chart, heights);
      figures.add(0, files.save(chart, "shuffle",
          "Router shuffle test: baseline score vs mean score with shuffled router logits (error bar: std over seeds)."));
    } else {
      notes.add("No arm has a usable shuffle test: no shuffle chart.");
    }
    List<HtmlTable> tables = new ArrayList<>();
    if (shuffleTable.rowCount() > 0) {
      tables.add(shuffleTable);
    }
    if (standaloneTable.rowCount() > 0) {
      tables.add(standaloneTable);
    }
    return new ReportSection("interventions", "Router shuffle and standalone experts", description,
        tables, figures, notes);
  }

  private static void standalone(String arm, StandaloneExperts node, HtmlTable table,
      ChartFiles files, List<ReportFigure> figures, List<String> notes) throws IOException {
    double routed = node.routedBaseline();
    double[] scores = node.scores() == null ? new double[0] : node.scores();
    int best = -1;
    for (int i = 0; i < scores.length; i++) {
      if (Double.isFinite(scores[i]) && (best < 0 || scores[i] > scores[best])) {
        best = i;
      }
    }
    table.row(List.of(arm, Html.number(routed, 4), Html.numbers(scores, 4),
        best < 0 ? "-" : "expert " + best,
        best < 0 ? "-" : Html.number(scores[best] - routed, 4)));
    List<String> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    if (Double.isFinite(routed)) {
      xs.add("routed");
      ys.add(routed);
    }
    int skipped = 0;
    for (int i = 0; i < scores.length; i++) {
      if (Double.isFinite(scores[i])) {
        xs.add("expert " + i + " only");
        ys.add(scores[i]);
      } else {
        skipped++;
      }
    }
    if (skipped > 0) {
      notes.add("Arm " + arm + ": " + skipped + " non-finite standalone score(s) left out.");
    }
    if (xs.size() < 2) {
      notes.add("Arm " + arm + ": too few finite standalone scores, chart skipped.");
      return;
    }
    CategoryChart chart = barChart(arm + ": standalone experts vs routed", "routing");
    chart.getStyler().setLegendVisible(false);
    CategorySeries s = chart.addSeries("score", xs, ys);
    s.setFillColor(ChartStyle.color(2));
    keepZeroVisible(chart, ys);
    figures.add(files.save(chart, "standalone-" + arm,
        "Standalone experts of " + arm + ": every MoE layer forced to one expert, vs the routed model."));
  }

  /** All-zero scores would collapse the y axis to one point: show them on [0, 1] instead. */
  private static void keepZeroVisible(CategoryChart chart, List<Double> values) {
    double max = 0;
    for (double v : values) {
      max = Math.max(max, v);
    }
    if (max <= 0) {
      chart.getStyler().setYAxisMax(1.0);
    }
  }

  private static CategoryChart barChart(String title, String xTitle) {
    CategoryChart chart = new CategoryChart(ChartStyle.WIDE_WIDTH, ChartStyle.WIDE_HEIGHT);
    chart.setTitle(title);
    chart.setXAxisTitle(xTitle);
    chart.setYAxisTitle("average accuracy (diagnostic samples)");
    ChartStyle.apply(chart.getStyler());
    chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setYAxisDecimalPattern("0.000");
    chart.getStyler().setErrorBarsColor(java.awt.Color.BLACK);
    chart.getStyler().setLabelsVisible(true);
    chart.getStyler().setLabelsFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 11));
    chart.getStyler().setDecimalPattern("0.000");
    return chart;
  }
}
