package org.evomoe.moe;

/**
 * What one MoE forward decided, for diagnostics. Arrays are row-major and owned by the record.
 *
 * @param numTokens T
 * @param numExperts E
 * @param topK k
 * @param experts chosen expert of assignment t*k+j [T*k], j-th choice in descending probability
 * @param gates gate weight of each assignment [T*k]
 * @param probs router softmax [T*E] (one-hot on the forced expert when routing was forced)
 * @param tokensPerExpert [E]
 */
public record RoutingRecord(
    int numTokens,
    int numExperts,
    int topK,
    int[] experts,
    double[] gates,
    double[] probs,
    int[] tokensPerExpert) {

  static RoutingRecord of(RoutingPlan p) {
    int[] counts = new int[p.numExperts];
    for (int e = 0; e < p.numExperts; e++) {
      counts[e] = p.count(e);
    }
    return new RoutingRecord(
        p.numTokens, p.numExperts, p.topK, p.expert.clone(), p.gate.clone(), p.probs.clone(), counts);
  }

  /** The j-th chosen expert of token t. */
  public int expert(int t, int j) {
    return experts[t * topK + j];
  }

  /** The router probability of expert e for token t. */
  public double prob(int t, int e) {
    return probs[t * numExperts + e];
  }
}
