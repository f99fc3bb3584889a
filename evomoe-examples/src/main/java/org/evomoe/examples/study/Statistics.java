package org.evomoe.examples.study;

import org.apache.commons.math3.distribution.TDistribution;

/** Means, standard deviations and Student-t confidence intervals over seeds. */
public final class Statistics {
  /** Two-sided confidence level of every interval. */
  public static final double LEVEL = 0.95;

  private Statistics() {}

  /**
   * Mean, sample standard deviation and the 95% confidence interval {@code mean +- t(0.975, n-1)
   * sd / sqrt(n)}.
   *
   * @param values one value per seed, at least one, all finite
   */
  public static Summary summarize(double[] values) {
    requireFinite(values, "values");
    int n = values.length;
    double mean = mean(values);
    if (n == 1) {
      return new Summary(1, mean, Double.NaN, Double.NaN, Double.NaN);
    }
    double sd = sd(values, mean);
    double half = tQuantile(n - 1) * sd / Math.sqrt(n);
    return new Summary(n, mean, sd, mean - half, mean + half);
  }

  /**
   * The paired difference {@code arm - baseline}: a one-sample t interval of the per-seed
   * differences, and how often the arm is above, below or equal to the baseline.
   *
   * @param arm the arm's value per seed
   * @param baseline the baseline's value for the same seeds, in the same order
   */
  public static PairedDifference paired(double[] arm, double[] baseline) {
    requireFinite(arm, "arm values");
    requireFinite(baseline, "baseline values");
    if (arm.length != baseline.length) {
      throw new IllegalArgumentException("paired values need the same seeds: " + arm.length
          + " arm values, " + baseline.length + " baseline values");
    }
    double[] d = new double[arm.length];
    int wins = 0;
    int losses = 0;
    for (int i = 0; i < d.length; i++) {
      d[i] = arm[i] - baseline[i];
      if (arm[i] > baseline[i]) {
        wins++;
      } else if (arm[i] < baseline[i]) {
        losses++;
      }
    }
    Summary s = summarize(d);
    return new PairedDifference(s.n(), s.mean(), s.sd(), s.ciLow(), s.ciHigh(), wins, losses,
        d.length - wins - losses);
  }

  /** The 0.975 quantile of Student's t with {@code df} degrees of freedom (12.706 for df = 1). */
  public static double tQuantile(int df) {
    if (df < 1) {
      throw new IllegalArgumentException("degrees of freedom must be >= 1, got " + df);
    }
    return new TDistribution(null, df).inverseCumulativeProbability(0.5 + LEVEL / 2);
  }

  static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  static double sd(double[] v, double mean) {
    double s = 0;
    for (double x : v) {
      s += (x - mean) * (x - mean);
    }
    return Math.sqrt(s / (v.length - 1));
  }

  private static void requireFinite(double[] v, String what) {
    if (v == null || v.length == 0) {
      throw new IllegalArgumentException(what + ": need at least one value");
    }
    for (int i = 0; i < v.length; i++) {
      if (!Double.isFinite(v[i])) {
        throw new IllegalArgumentException(what + ": value " + i + " is " + v[i]);
      }
    }
  }
}
