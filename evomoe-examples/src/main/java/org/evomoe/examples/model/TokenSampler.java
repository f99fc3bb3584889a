package org.evomoe.examples.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Greedy, temperature and nucleus (top-p) sampling over one row of logits, seeded. */
public final class TokenSampler {
  private final SamplingConfig config;
  private final SplittableRandom rng;

  public TokenSampler(SamplingConfig config) {
    this.config = config;
    this.rng = new SplittableRandom(config.seed());
  }

  public SamplingConfig config() {
    return config;
  }

  /**
   * The next token id for one position.
   *
   * @param logits [V] raw logits
   */
  public int sample(double[] logits) {
    if (logits.length == 0) {
      throw new IllegalArgumentException("cannot sample from an empty vocabulary");
    }
    if (config.isGreedy()) {
      return argmax(logits);
    }
    int v = logits.length;
    double[] p = new double[v];
    double max = Double.NEGATIVE_INFINITY;
    for (double l : logits) {
      max = Math.max(max, l / config.temperature());
    }
    double sum = 0;
    for (int i = 0; i < v; i++) {
      p[i] = Math.exp(logits[i] / config.temperature() - max);
      sum += p[i];
    }
    Integer[] order = new Integer[v];
    for (int i = 0; i < v; i++) {
      p[i] /= sum;
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
    // Nucleus: the shortest prefix of the sorted tokens whose mass reaches topP (at least one).
    int keep = 0;
    double mass = 0;
    while (keep < v && (keep == 0 || mass < config.topP())) {
      mass += p[order[keep]];
      keep++;
    }
    double u = rng.nextDouble() * mass;
    double acc = 0;
    for (int j = 0; j < keep; j++) {
      acc += p[order[j]];
      if (u < acc) {
        return order[j];
      }
    }
    return order[keep - 1];
  }

  /** The index of the largest value (lowest index on ties). */
  public static int argmax(double[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }

  /** log softmax(logits), max-shifted. */
  public static double[] logSoftmax(double[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (double l : logits) {
      max = Math.max(max, l);
    }
    double s = 0;
    for (double l : logits) {
      s += Math.exp(l - max);
    }
    double lse = max + Math.log(s);
    double[] out = new double[logits.length];
    for (int i = 0; i < logits.length; i++) {
      out[i] = logits[i] - lse;
    }
    return out;
  }
}
