package org.evomoe.examples.report;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.evomoe.diagnostics.RouterLogitStats;
import org.evomoe.diagnostics.RouterLogitStats.LogitCell;
import org.evomoe.router.Modality;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Router-logit distributions of image vs text tokens (the paper's Fig. 1b), drawn per expert: for
 * each arm and layer one image with one panel per expert, each panel the density of that expert's
 * logit over image tokens and over text tokens. Experts are not pooled: pooling would hide the
 * signal that matters (image tokens scoring high on one expert and text tokens on another gives
 * identical pooled densities). The TV and JS separations of the modality-average routing
 * probabilities are printed in the image title and in a table.
 */
final class RouterLogitSection {
  private RouterLogitSection() {}

  static ReportSection build(List<ArmResult> all, ChartFiles files) throws IOException {
    List<String> notes = new ArrayList<>();
    List<ReportFigure> figures = new ArrayList<>();
    String description = "Density of each expert's router logit over image tokens (orange,"
        + " solid) and text tokens (blue, dashed), from the diagnostic pass's histograms"
        + " (density = bin count / (token count x bin width)). One panel per expert; experts are"
        + " drawn separately, not pooled, because pooling over experts hides modality-specific"
        + " routing. TV and JS compare the modality-average routing probabilities (0 = routed alike;"
        + " TV at most 1, JS at most ln 2 = 0.693 nats).";
    HtmlTable separations = new HtmlTable("Modality separation of the routing probabilities",
        List.of("arm", "layer", "modalities", "total variation", "Jensen-Shannon (nats)",
            "mean probabilities A", "mean probabilities B"));
    boolean any = false;
    for (ArmResult a : all) {
      RouterLogitStats stats = a.hasDiagnostics() ? a.diagnostics().routerLogits() : null;
      if (stats == null) {
        if (a.hasDiagnostics()) {
          notes.add("Arm " + a.name() + ": no router-logit statistics in its diagnostics.");
        }
        continue;
      }
      any = true;
      Map<String, double[]> sep = separations(a, stats, separations);
      double[] edges = stats.binEdges() == null ? new double[0] : stats.binEdges();
      if (!validEdges(edges)) {
        notes.add("Arm " + a.name() + ": bin edges missing or not finite and increasing,"
            + " densities skipped.");
        continue;
      }
      Map<String, List<LogitCell>> byLayer = new TreeMap<>(LayerOrder.COMPARATOR);
      for (LogitCell cell : stats.cells()) {
        byLayer.computeIfAbsent(Integer.toString(cell.layer()), k -> new ArrayList<>()).add(cell);
      }
      if (byLayer.isEmpty()) {
        notes.add("Arm " + a.name() + ": no router-logit cells, densities skipped.");
      }
      for (Map.Entry<String, List<LogitCell>> e : byLayer.entrySet()) {
        grid(a.name(), e.getKey(), e.getValue(), edges, sep.get(e.getKey()), files, figures, notes);
      }
    }
    if (!any) {
      notes.add("No arm has router-logit diagnostics: no charts.");
    }
    return new ReportSection("logits", "Router logits: image vs text tokens", description,
        separations.rowCount() > 0 ? List.of(separations) : List.of(), figures, notes);
  }

  /** Adds the arm's separation rows; returns layer -> {TV, JS} of its first modality pair. */
  private static Map<String, double[]> separations(ArmResult a, RouterLogitStats stats,
      HtmlTable table) {
    Map<String, double[]> out = new TreeMap<>();
    for (RouterLogitStats.ModalitySeparation s : stats.separations()) {
      String layer = Integer.toString(s.layer());
      double tv = s.totalVariation();
      double js = s.jensenShannon();
      out.putIfAbsent(layer, new double[] {tv, js});
      table.row(List.of(a.name(), layer, label(s.modalityA()) + " vs " + label(s.modalityB()),
          Html.number(tv, 4), Html.number(js, 4), Html.numbers(orEmpty(s.meanProbsA()), 3),
          Html.numbers(orEmpty(s.meanProbsB()), 3)));
    }
    return out;
  }

  private static String label(Modality m) {
    return m == null ? "?" : m.label();
  }

  private static double[] orEmpty(double[] v) {
    return v == null ? new double[0] : v;
  }

  private static boolean validEdges(double[] edges) {
    if (edges.length < 2) {
      return false;
    }
    for (int i = 0; i < edges.length; i++) {
      if (!Double.isFinite(edges[i]) || (i > 0 && edges[i] <= edges[i - 1])) {
        return false;
      }
    }
    return true;
  }

  private static void grid(String arm, String layer, List<LogitCell> cells, double[] edges,
      double[] separation, ChartFiles files, List<ReportFigure> figures, List<String> notes)
      throws IOException {
    String what = arm + ", layer " + layer;
    int bins = edges.length - 1;
    double[] centres = new double[bins];
    for (int b = 0; b < bins; b++) {
      centres[b] = 0.5 * (edges[b] + edges[b + 1]);
    }
    Map<Integer, List<LogitCell>> byExpert = new TreeMap<>();
    for (LogitCell c : cells) {
      if (c.expert() < 0) {
        notes.add(what + ": a cell without a valid expert index was skipped.");
        continue;
      }
      byExpert.computeIfAbsent(c.expert(), k -> new ArrayList<>()).add(c);
    }
    long outside = 0;
    double top = 0;
    Map<Integer, List<double[]>> densities = new TreeMap<>();
    Map<Integer, List<String>> modalities = new TreeMap<>();
    for (Map.Entry<Integer, List<LogitCell>> e : byExpert.entrySet()) {
      for (LogitCell c : e.getValue()) {
        String modality = label(c.modality());
        long[] hist = c.histogram() == null ? new long[0] : c.histogram();
        if (hist.length != bins) {
          notes.add(what + ", expert " + e.getKey() + ", " + modality + ": " + hist.length
              + " histogram bins for " + bins + " bin edges' bins, curve skipped.");
          continue;
        }
        double n = c.count();
        if (!(n > 0)) {
          notes.add(what + ", expert " + e.getKey() + ", " + modality + ": no tokens, curve skipped.");
          continue;
        }
        outside += c.below() + c.above();
        double[] d = new double[bins];
        for (int b = 0; b < bins; b++) {
          d[b] = hist[b] / (n * (edges[b + 1] - edges[b]));
          top = Math.max(top, d[b]);
        }
        densities.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(d);
        modalities.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(modality);
      }
    }
    if (outside > 0) {
      notes.add(what + ": " + outside + " logit(s) outside the bin edges are not in the densities.");
    }
    if (densities.isEmpty()) {
      notes.add(what + ": no usable histograms, router-logit chart skipped.");
      return;
    }
    List<XYChart> panels = new ArrayList<>();
    List<LegendEntry> legend = new ArrayList<>();
    List<String> legendNames = new ArrayList<>();
    for (Map.Entry<Integer, List<double[]>> e : densities.entrySet()) {
      XYChart chart = new XYChart(ChartStyle.PANEL_WIDTH, ChartStyle.PANEL_HEIGHT);
      chart.setTitle("expert " + e.getKey());
      chart.setXAxisTitle("router logit");
      chart.setYAxisTitle("density");
      ChartStyle.apply(chart.getStyler());
      chart.getStyler().setChartTitleFont(new java.awt.Font(java.awt.Font.SANS_SERIF,
          java.awt.Font.BOLD, 13));
      chart.getStyler().setXAxisMin(edges[0]);
      chart.getStyler().setXAxisMax(edges[bins]);
      chart.getStyler().setYAxisMin(0.0);
      chart.getStyler().setYAxisMax(top > 0 ? top * 1.05 : 1.0);
      chart.getStyler().setLegendVisible(false);
      List<String> names = modalities.get(e.getKey());
      for (int i = 0; i < names.size(); i++) {
        String name = names.get(i);
        while (chart.getSeriesMap().containsKey(name)) {
          name = name + "'";
        }
        XYSeries s = chart.addSeries(name, centres, e.getValue().get(i));
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(ChartStyle.modalityColor(names.get(i), i));
        s.setLineStyle(modalityStroke(names.get(i)));
        if (!legendNames.contains(names.get(i))) {
          legendNames.add(names.get(i));
          legend.add(new LegendEntry(names.get(i) + " tokens",
              ChartStyle.modalityColor(names.get(i), i), modalityStroke(names.get(i))));
        }
      }
      panels.add(chart);
    }
    String sepText = separation == null ? "no separation values"
        : "TV " + Html.number(separation[0], 3) + ", JS " + Html.number(separation[1], 3);
    String title = what + ": router logit densities, image vs text (" + sepText + ")";
    figures.add(files.saveGrid(panels, 2, title, legend, "logits-" + arm + "-layer" + layer,
        "Router logit densities per expert, image vs text tokens: " + what + " (" + sepText + ")."));
  }

  private static java.awt.BasicStroke modalityStroke(String modality) {
    return "TEXT".equals(modality) ? ChartStyle.dashed(2f) : ChartStyle.solid(2f);
  }
}
