package org.evomoe.moe;

/**
 * Which tokens go to which experts with which gate weights: softmax, top-k and a counting sort of
 * the T*k assignments by expert, all in plain Java over T*E doubles.
 *
 * <p>Assignment {@code a = t * k + j} is token t's j-th choice (descending probability, ties to
 * the lower expert index). {@code tokens[e]} lists, in ascending token order, the rows that expert
 * e processes, and {@code slot[a]} is assignment a's row inside expert {@code expert[a]}'s batch.
 */
final class RoutingPlan {
  final int numTokens; // T
  final int numExperts; // E
  final int topK; // k
  final double[] logits; // the logits the softmax saw [T*E]; null when routing was forced
  final double[] probs; // softmax of the logits [T*E]
  final double[] logSumExp; // per token [T]
  final int[] expert; // chosen expert per assignment [T*k]
  final double[] gate; // gate weight per assignment [T*k]
  final int[] slot; // row inside the expert's batch per assignment [T*k]
  final int[][] tokens; // per expert, the tokens it processes
  final int[][] assignments; // per expert, the assignment index of each of its rows
  final boolean renormalized; // gates divided by the chosen probabilities' sum

  private RoutingPlan(int t, int e, int k, boolean renormalized, double[] logits) {
    this.numTokens = t;
    this.numExperts = e;
    this.topK = k;
    this.logits = logits;
    this.probs = new double[t * e];
    this.logSumExp = new double[t];
    this.expert = new int[t * k];
    this.gate = new double[t * k];
    this.slot = new int[t * k];
    this.tokens = new int[e][];
    this.assignments = new int[e][];
    this.renormalized = renormalized;
  }

  /**
   * @param logits router logits, row-major [T*E]; kept (not copied) as {@link #logits}
   * @param renormalize divide chosen probabilities by their sum (only honoured for k > 1)
   */
  static RoutingPlan route(double[] logits, int t, int e, int k, boolean renormalize) {
    RoutingPlan p = new RoutingPlan(t, e, k, renormalize && k > 1, logits);
    for (int i = 0; i < t; i++) {
      int base = i * e;
      double m = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < e; j++) {
        m = Math.max(m, logits[base + j]);
      }
      double s = 0;
      for (int j = 0; j < e; j++) {
        double v = Math.exp(logits[base + j] - m);
        p.probs[base + j] = v;
        s += v;
      }
      for (int j = 0; j < e; j++) {
        p.probs[base + j] /= s;
      }
      p.logSumExp[i] = m + Math.log(s);
      p.selectTopK(i);
    }
    p.sortByExpert();
    return p;
  }

  /** Every token to one expert with gate 1 (standalone-expert evaluation, dense seed mode). */
  static RoutingPlan forced(int t, int e, int expertIndex) {
    RoutingPlan p = new RoutingPlan(t, e, 1, false, null);
    for (int i = 0; i < t; i++) {
      p.probs[i * e + expertIndex] = 1.0;
      p.expert[i] = expertIndex;
      p.gate[i] = 1.0;
    }
    p.sortByExpert();
    return p;
  }

  private void selectTopK(int i) {
    int base = i * numExperts;
    double chosenSum = 0;
    for (int j = 0; j < topK; j++) {
      int best = -1;
      for (int c = 0; c < numExperts; c++) {
        if (isChosen(i, j, c)) {
          continue;
        }
        if (best < 0 || probs[base + c] > probs[base + best]) {
          best = c;
        }
      }
      expert[i * topK + j] = best;
      gate[i * topK + j] = probs[base + best];
      chosenSum += probs[base + best];
    }
    if (renormalized) {
      for (int j = 0; j < topK; j++) {
        gate[i * topK + j] /= chosenSum;
      }
    }
  }

  private boolean isChosen(int token, int upTo, int c) {
    for (int j = 0; j < upTo; j++) {
      if (expert[token * topK + j] == c) {
        return true;
      }
    }
    return false;
  }

  private void sortByExpert() {
    int[] count = new int[numExperts];
    for (int ex : expert) {
      count[ex]++;
    }
    for (int c = 0; c < numExperts; c++) {
      tokens[c] = new int[count[c]];
      assignments[c] = new int[count[c]];
    }
    int[] fill = new int[numExperts];
    for (int a = 0; a < expert.length; a++) { // ascending token order within each expert
      int ex = expert[a];
      slot[a] = fill[ex];
      assignments[ex][fill[ex]] = a;
      tokens[ex][fill[ex]++] = a / topK;
    }
  }

  /** Tokens routed to expert e. */
  int count(int e) {
    return tokens[e].length;
  }
}
