package org.evomoe.examples.report;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.evomoe.examples.study.ArmRouting;
import org.evomoe.examples.study.ArmSummary;
import org.evomoe.examples.study.CellResult;
import org.evomoe.examples.study.PairedDifference;
import org.evomoe.examples.study.SeedResult;
import org.evomoe.examples.study.Summary;
import org.evomoe.examples.study.TaskSummary;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * The paired multi-seed comparison: per arm the mean average accuracy with its 95% confidence
 * interval (error bars), the paired difference to the baseline arm with its interval, wins over
 * seeds, the routing and trainable parameters; per task the paired differences; every seed's
 * averages. Read from the typed records of results.json version 2 ({@link ReportedResults}).
 */
final class StudySection {
  private StudySection() {}

  static ReportSection build(ReportedResults r, ChartFiles files) throws IOException {
    String description = "Every arm starts from the same Stage I weights of a seed and trains on the"
        + " same batches in the same order with the same number of steps; seeds repeat the whole"
        + " run (data, initial weights, batch order). Intervals are 95% Student-t intervals over"
        + " seeds; differences are paired by seed against the baseline arm (MoE-LLaVA), so the"
        + " seed-to-seed spread they share cancels. In-template: the prompt wordings of training;"
        + " held-out: paraphrases never seen in training.";
    List<String> notes = new ArrayList<>();
    if (r.perSeed() == null) {
      notes.add("results.json has no per-seed results (written before the paired design): no"
          + " statistics.");
      return new ReportSection("study", "Arms over seeds", description, List.of(), List.of(), notes);
    }
    if (r.arms().isEmpty()) {
      notes.add("No arms ran: no statistics.");
      return new ReportSection("study", "Arms over seeds", description, List.of(), List.of(), notes);
    }
    List<HtmlTable> tables = new ArrayList<>();
    tables.add(armTable(r));
    HtmlTable tasks = taskTable(r);
    if (tasks != null) {
      tables.add(tasks);
    }
    tables.add(seedTable(r));
    List<ReportFigure> figures = new ArrayList<>();
    figures.add(meansChart(r, files));
    if (r.baseline() != null && r.seeds().size() > 0) {
      figures.add(differenceChart(r, files));
    } else {
      notes.add("The baseline arm did not run: no paired differences.");
    }
    if (r.seeds().size() < 2) {
      notes.add("One seed: no spread and no confidence intervals.");
    }
    return new ReportSection("study", "Arms over seeds (" + r.seeds().size() + " seeds)",
        description, tables, figures, notes);
  }

  private static HtmlTable armTable(ReportedResults r) {
    HtmlTable t = new HtmlTable("Average accuracy over seeds, and paired difference to "
        + (r.baseline() == null ? "the baseline" : r.baseline()),
        List.of("arm", "family", "routing (read from the trained layers)", "trainable parameters",
            "in-template [95% CI]", "vs baseline [95% CI]", "wins/losses/ties",
            "held-out [95% CI]", "vs baseline [95% CI]", "wins/losses/ties"));
    for (ArmSummary a : r.arms()) {
      List<String> row = new ArrayList<>(List.of(a.arm(), a.family()
              + (a.evolution() == null ? "" : " (" + a.evolution() + ")"), routing(a.routing()),
          Long.toString(a.trainableParameters()), interval(a.averageStats())));
      row.addAll(diff(a.averageVsBaseline()));
      if (a.heldOut() != null) {
        row.add(interval(a.heldOut().averageStats()));
        row.addAll(diff(a.heldOut().averageVsBaseline()));
      } else {
        row.addAll(List.of("-", "-", "-"));
      }
      t.row(row);
    }
    return t;
  }

  private static HtmlTable taskTable(ReportedResults r) {
    ArmSummary first = r.arms().get(0);
    if (r.baseline() == null) {
      return null;
    }
    List<String> header = new ArrayList<>(List.of("arm"));
    List<String> names = new ArrayList<>(first.tasks().keySet());
    for (String n : names) {
      header.add(n);
    }
    HtmlTable t = new HtmlTable("Paired difference to " + r.baseline()
        + " per task (in-template; mean [95% CI], wins/losses/ties)", header);
    for (ArmSummary a : r.arms()) {
      if (a.averageVsBaseline() == null) {
        continue;
      }
      List<String> row = new ArrayList<>(List.of(a.arm()));
      for (String n : names) {
        TaskSummary ts = a.tasks().get(n);
        PairedDifference d = ts == null ? null : ts.vsBaseline();
        row.add(d == null ? "-" : signed(d) + " " + d.wins() + "/" + d.losses() + "/" + d.ties());
      }
      t.row(row);
    }
    return t;
  }

  private static HtmlTable seedTable(ReportedResults r) {
    List<String> header = new ArrayList<>(List.of("seed", "Stage I"));
    for (ArmSummary a : r.arms()) {
      header.add(a.arm());
    }
    HtmlTable t = new HtmlTable("Average accuracy of every seed (in-template / held-out)", header);
    for (SeedResult s : r.perSeed()) {
      List<String> row = new ArrayList<>(List.of(Long.toString(s.seed()), pair(s.stage1().average(),
          s.stage1().heldOut() == null ? Double.NaN : s.stage1().heldOut().average())));
      for (CellResult c : s.arms()) {
        row.add(pair(c.scores().average(),
            c.scores().heldOut() == null ? Double.NaN : c.scores().heldOut().average()));
      }
      t.row(row);
    }
    return t;
  }

  private static ReportFigure meansChart(ReportedResults r, ChartFiles files) throws IOException {
    CategoryChart chart = chart("Average accuracy per arm (mean over " + r.seeds().size()
        + " seeds, 95% CI)", "average accuracy");
    series(chart, "in-template", r.arms(), a -> a.averageStats(), 0);
    if (r.arms().get(0).heldOut() != null) {
      series(chart, "held-out", r.arms(), a -> a.heldOut().averageStats(), 1);
    }
    return files.save(chart, "study-arms",
        "Mean average accuracy per arm with 95% confidence intervals over seeds (error bars).");
  }

  private static ReportFigure differenceChart(ReportedResults r, ChartFiles files) throws IOException {
    CategoryChart chart = chart("Paired difference to " + r.baseline() + " (95% CI)",
        "accuracy difference");
    List<ArmSummary> others = r.arms().stream().filter(a -> a.averageVsBaseline() != null).toList();
    if (others.isEmpty()) {
      return meansChart(r, files);
    }
    diffSeries(chart, "in-template", others, ArmSummary::averageVsBaseline, 0);
    if (others.get(0).heldOut() != null) {
      diffSeries(chart, "held-out", others, a -> a.heldOut().averageVsBaseline(), 1);
    }
    chart.getStyler().setYAxisMin(null);
    return files.save(chart, "study-differences", "Average accuracy minus " + r.baseline()
        + "'s, paired by seed, with 95% paired-t confidence intervals (error bars); an interval"
        + " that excludes 0 is a difference the seeds resolve.");
  }

  private static void series(CategoryChart chart, String name, List<ArmSummary> arms,
      Function<ArmSummary, Summary> f, int color) {
    List<String> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    List<Double> err = new ArrayList<>();
    for (ArmSummary a : arms) {
      Summary s = f.apply(a);
      xs.add(a.arm());
      ys.add(s.mean());
      err.add(Double.isFinite(s.ciHigh()) ? s.ciHigh() - s.mean() : 0.0);
    }
    CategorySeries cs = chart.addSeries(name, xs, ys, err);
    cs.setFillColor(ChartStyle.color(color));
  }

  private static void diffSeries(CategoryChart chart, String name, List<ArmSummary> arms,
      Function<ArmSummary, PairedDifference> f, int color) {
    List<String> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    List<Double> err = new ArrayList<>();
    for (ArmSummary a : arms) {
      PairedDifference d = f.apply(a);
      xs.add(a.arm());
      ys.add(d.mean());
      err.add(Double.isFinite(d.ciHigh()) ? d.ciHigh() - d.mean() : 0.0);
    }
    CategorySeries cs = chart.addSeries(name, xs, ys, err);
    cs.setFillColor(ChartStyle.color(color));
  }

  private static CategoryChart chart(String title, String yTitle) {
    CategoryChart chart = new CategoryChart(ChartStyle.WIDE_WIDTH, ChartStyle.WIDE_HEIGHT);
    chart.setTitle(title);
    chart.setXAxisTitle("arm");
    chart.setYAxisTitle(yTitle);
    ChartStyle.apply(chart.getStyler());
    chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setYAxisDecimalPattern("0.000");
    chart.getStyler().setErrorBarsColor(java.awt.Color.BLACK);
    chart.getStyler().setXAxisLabelRotation(20);
    return chart;
  }

  static String routing(ArmRouting r) {
    if (r == null) {
      return "-";
    }
    if (r.mode().equals("seed_only")) {
      return "dense (seed expert only)";
    }
    return String.format(Locale.ROOT, "%s, top-%d%s, alpha %s, z %s", r.router(), r.topK(),
        r.topK() > 1 ? (r.renormalize() ? " renormalised" : " not renormalised") : "",
        r.auxLossWeight(), r.zLossWeight());
  }

  private static String interval(Summary s) {
    if (s == null) {
      return "-";
    }
    return Double.isFinite(s.ciLow())
        ? String.format(Locale.ROOT, "%.4f [%.4f, %.4f]", s.mean(), s.ciLow(), s.ciHigh())
        : String.format(Locale.ROOT, "%.4f", s.mean());
  }

  private static List<String> diff(PairedDifference d) {
    if (d == null) {
      return List.of("-", "-");
    }
    return List.of(signed(d), d.wins() + "/" + d.losses() + "/" + d.ties());
  }

  private static String signed(PairedDifference d) {
    return Double.isFinite(d.ciLow())
        ? String.format(Locale.ROOT, "%+.4f [%+.4f, %+.4f]", d.mean(), d.ciLow(), d.ciHigh())
        : String.format(Locale.ROOT, "%+.4f", d.mean());
  }

  private static String pair(double a, double b) {
    return Double.isFinite(b) ? String.format(Locale.ROOT, "%.4f / %.4f", a, b)
        : String.format(Locale.ROOT, "%.4f", a);
  }
}
