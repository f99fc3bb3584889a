package org.evomoe.diagnostics;

/** Entropy and distances of discrete probability distributions, in nats. */
final class Distributions {
  private Distributions() {}

  /** H(p) = -sum_i p_i ln p_i, with 0 ln 0 = 0. */
  static double entropy(double[] p) {
    double h = 0;
    for (double v : p) {
      if (v > 0) {
        h -= v * Math.log(v);
      }
    }
    return h;
  }

  /** TV(p, q) = 1/2 sum_i |p_i - q_i|, in [0, 1]. */
  static double totalVariation(double[] p, double[] q) {
    double s = 0;
    for (int i = 0; i < p.length; i++) {
      s += Math.abs(p[i] - q[i]);
    }
    return s / 2;
  }

  /** JS(p, q) = 1/2 KL(p || m) + 1/2 KL(q || m), m = (p + q) / 2; in [0, ln 2]. */
  static double jensenShannon(double[] p, double[] q) {
    double js = 0;
    for (int i = 0; i < p.length; i++) {
      double m = (p[i] + q[i]) / 2;
      if (p[i] > 0) {
        js += 0.5 * p[i] * Math.log(p[i] / m);
      }
      if (q[i] > 0) {
        js += 0.5 * q[i] * Math.log(q[i] / m);
      }
    }
    return Math.max(0, js);
  }

  /** v / sum(v); every entry NaN when the sum is 0. */
  static double[] normalise(long[] counts) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    double[] p = new double[counts.length];
    for (int i = 0; i < counts.length; i++) {
      p[i] = total == 0 ? Double.NaN : counts[i] / (double) total;
    }
    return p;
  }
}
