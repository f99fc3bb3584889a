package org.evomoe.examples.study;

import java.util.Locale;
import java.util.Map;

/**
 * The statistics of a run as plain text: per arm the mean average accuracy with its 95% CI, the
 * paired difference to the baseline with its CI and the wins, and the trainable parameters and
 * routing the arm trained with.
 */
public final class StudyTable {
  private StudyTable() {}

  public static String render(StudyResults r) {
    StringBuilder sb = new StringBuilder();
    int n = r.seeds().size();
    sb.append(String.format(Locale.ROOT, "%d seed%s %s; 95%% confidence intervals (Student t)%s%n",
        n, n == 1 ? "" : "s", r.seeds(), r.baseline() == null ? ""
            : "; differences paired by seed against " + r.baseline()));
    sb.append(String.format(Locale.ROOT, "%-26s %-28s %10s  %s%n", "arm", "routing", "trainable",
        "average [95% CI] / vs baseline [95% CI] wins/losses/ties"));
    for (ArmSummary a : r.arms()) {
      sb.append(String.format(Locale.ROOT, "%-26s %-28s %10d  in-template %s%n", a.arm(),
          routing(a.routing()), a.trainableParameters(),
          line(a.averageStats(), a.averageVsBaseline())));
      if (a.heldOut() != null) {
        sb.append(String.format(Locale.ROOT, "%-26s %-28s %10s  held-out    %s%n", "", "", "",
            line(a.heldOut().averageStats(), a.heldOut().averageVsBaseline())));
      }
    }
    if (r.baseline() != null && !r.arms().isEmpty()) {
      sb.append(String.format(Locale.ROOT,
          "%nper task (in-template), paired difference to %s (mean [95%% CI]):%n", r.baseline()));
      for (ArmSummary a : r.arms()) {
        if (a.averageVsBaseline() == null) {
          continue;
        }
        sb.append(String.format(Locale.ROOT, "%-26s", a.arm()));
        for (Map.Entry<String, TaskSummary> t : a.tasks().entrySet()) {
          PairedDifference d = t.getValue().vsBaseline();
          sb.append(String.format(Locale.ROOT, " %s %s", t.getKey(), signed(d.mean(), d.ciLow(), d.ciHigh())));
        }
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  private static String line(Summary s, PairedDifference d) {
    return interval(s.mean(), s.ciLow(), s.ciHigh()) + (d == null ? ""
        : " / " + signed(d.mean(), d.ciLow(), d.ciHigh()) + " " + d.wins() + "/" + d.losses() + "/"
            + d.ties());
  }

  private static String routing(ArmRouting r) {
    if (r.mode().equals("seed_only")) {
      return "dense (seed expert only)";
    }
    return String.format(Locale.ROOT, "%s top-%d%s a=%s", r.router(), r.topK(),
        r.topK() > 1 && r.renormalize() ? " renorm" : "", r.auxLossWeight());
  }

  private static String interval(double mean, double lo, double hi) {
    return Double.isFinite(lo)
        ? String.format(Locale.ROOT, "%.4f [%.4f, %.4f]", mean, lo, hi)
        : String.format(Locale.ROOT, "%.4f", mean);
  }

  private static String signed(double mean, double lo, double hi) {
    return Double.isFinite(lo)
        ? String.format(Locale.ROOT, "%+.4f [%+.4f, %+.4f]", mean, lo, hi)
        : String.format(Locale.ROOT, "%+.4f", mean);
  }
}
