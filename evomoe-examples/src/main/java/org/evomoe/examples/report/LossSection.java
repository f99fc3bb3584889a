package org.evomoe.examples.report;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomoe.examples.study.StageRecord;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Training loss curves: one chart per arm with one series per stage on a running step axis (the
 * shared alignment and Stage I stages first, then the arm's own stages), one chart of all arms
 * after the shared stages, and a table of stage timings.
 */
final class LossSection {
  private LossSection() {}

  static ReportSection build(ReportedResults results, ChartFiles files) throws IOException {
    List<String> notes = new ArrayList<>();
    List<ReportFigure> figures = new ArrayList<>();
    List<TrainingStage> stages = new ArrayList<>();
    List<StageRecord> records = results.stages();
    for (int i = 0; i < records.size(); i++) {
      stages.add(TrainingStage.of(records.get(i), i));
    }
    String description = "Training loss per step (answer-token cross-entropy plus the auxiliary"
        + " router losses of the MoE stages). Steps run on across stages: each arm's chart starts"
        + " with the shared alignment and Stage I curves and continues with the arm's own stages.";
    if (stages.isEmpty()) {
      notes.add("No training stages in results.json: no loss curves.");
      return new ReportSection("losses", "Training loss", description, List.of(), figures, notes);
    }
    for (TrainingStage s : stages) {
      int bad = s.nonFinite();
      if (bad > 0) {
        notes.add("Stage " + s.stage() + " of " + s.arm() + ": " + bad
            + " non-finite loss value(s) left out of the curves.");
      }
    }
    List<TrainingStage> shared = new ArrayList<>();
    Map<String, List<TrainingStage>> byArm = new LinkedHashMap<>();
    for (TrainingStage s : stages) {
      if (s.shared()) {
        shared.add(s);
      } else {
        byArm.computeIfAbsent(s.arm(), a -> new ArrayList<>()).add(s);
      }
    }
    if (byArm.isEmpty()) {
      chart("shared stages", shared, List.of(), files, figures, notes);
    }
    for (Map.Entry<String, List<TrainingStage>> e : byArm.entrySet()) {
      chart(e.getKey(), shared, e.getValue(), files, figures, notes);
    }
    if (byArm.size() >= 2) {
      comparison(byArm, files, figures, notes);
    }
    return new ReportSection("losses", "Training loss", description, List.of(timings(stages)),
        figures, notes);
  }

  private static void chart(String arm, List<TrainingStage> shared, List<TrainingStage> own,
      ChartFiles files, List<ReportFigure> figures, List<String> notes) throws IOException {
    XYChart chart = newChart("Training loss: " + arm, "training step (running over stages)");
    int offset = 0;
    int series = 0;
    List<TrainingStage> all = new ArrayList<>(shared);
    all.addAll(own);
    for (TrainingStage s : all) {
      String name = uniqueSeriesName(chart, s.shared() ? s.stage() + " (shared)" : s.stage());
      if (addCurve(chart, name, s.losses(), offset, series)) {
        series++;
      }
      offset += s.losses().length;
    }
    if (series == 0) {
      notes.add("Loss chart of " + arm + " skipped: no finite loss values.");
      return;
    }
    figures.add(files.save(chart, "loss-" + arm,
        "Loss per training step of " + arm + ", one colour per stage."));
  }

  private static void comparison(Map<String, List<TrainingStage>> byArm, ChartFiles files,
      List<ReportFigure> figures, List<String> notes) throws IOException {
    XYChart chart = newChart("Training loss after the shared stages, all arms",
        "training step after Stage I");
    int series = 0;
    int index = 0;
    for (Map.Entry<String, List<TrainingStage>> e : byArm.entrySet()) {
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      int step = 0;
      for (TrainingStage s : e.getValue()) {
        for (double v : s.losses()) {
          step++;
          if (Double.isFinite(v)) {
            xs.add((double) step);
            ys.add(v);
          }
        }
      }
      if (!xs.isEmpty()) {
        XYSeries xy = chart.addSeries(uniqueSeriesName(chart, e.getKey()), xs, ys);
        xy.setMarker(SeriesMarkers.NONE);
        xy.setLineColor(ChartStyle.color(index));
        xy.setLineStyle(ChartStyle.solid(2f));
        series++;
      }
      index++;
    }
    if (series < 2) {
      notes.add("Arm comparison chart skipped: fewer than two arms with finite losses.");
      return;
    }
    figures.add(files.save(chart, "loss-arms",
        "Loss of every arm after Stage I, on the same step axis (the arms get the same step budget)."));
  }

  private static XYChart newChart(String title, String xTitle) {
    XYChart chart = new XYChart(ChartStyle.WIDE_WIDTH, ChartStyle.WIDE_HEIGHT);
    chart.setTitle(title);
    chart.setXAxisTitle(xTitle);
    chart.setYAxisTitle("loss");
    ChartStyle.apply(chart.getStyler());
    chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setXAxisDecimalPattern("#");
    return chart;
  }

  /** Adds the finite points of one stage at steps offset+1 ...; false when there are none. */
  private static boolean addCurve(XYChart chart, String name, double[] losses, int offset,
      int colour) {
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (int i = 0; i < losses.length; i++) {
      if (Double.isFinite(losses[i])) {
        xs.add((double) (offset + i + 1));
        ys.add(losses[i]);
      }
    }
    if (xs.isEmpty()) {
      return false;
    }
    XYSeries s = chart.addSeries(name, xs, ys);
    s.setMarker(xs.size() <= 30 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    s.setLineColor(ChartStyle.color(colour));
    s.setMarkerColor(ChartStyle.color(colour));
    s.setLineStyle(ChartStyle.solid(2f));
    return true;
  }

  private static String uniqueSeriesName(XYChart chart, String name) {
    String n = name;
    for (int i = 2; chart.getSeriesMap().containsKey(n); i++) {
      n = name + " (" + i + ")";
    }
    return n;
  }

  private static HtmlTable timings(List<TrainingStage> stages) {
    HtmlTable t = new HtmlTable("Stages", List.of("arm", "stage", "steps", "seconds",
        "tokens/s", "first loss", "last loss", "trained parameters", "frozen parameters"));
    for (TrainingStage s : stages) {
      StageRecord r = s.record();
      double[] l = s.losses();
      Double tokensPerSecond = r.tokensPerSecond();
      t.row(List.of(s.arm(), s.stage(), count(r.steps()), Html.number(r.seconds(), 1),
          Html.number(tokensPerSecond == null ? Double.NaN : tokensPerSecond, 0),
          l.length == 0 ? "-" : Html.number(l[0], 4),
          l.length == 0 ? "-" : Html.number(l[l.length - 1], 4),
          count(r.trainedParameters()), count(r.frozenParameters())));
    }
    return t;
  }

  private static String count(long v) {
    return String.format(java.util.Locale.ROOT, "%,d", v);
  }
}
