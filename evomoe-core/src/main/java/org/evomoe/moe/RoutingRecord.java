package org.evomoe.moe;

import org.evomoe.router.Modality;

/**
 * What one MoE forward decided for its real tokens, for diagnostics. Padded rows ({@link
 * TokenMask}) are not routed and do not appear: token t of the record is input row {@code
 * rows[t]}, so every statistic computed from records counts real tokens only. Arrays are
 * row-major and owned by the record (copies of the layer's state: changing them changes nothing
 * in the layer).
 *
 * @param numTokens T, the number of real tokens
 * @param numExperts E
 * @param topK k (1 when routing was forced)
 * @param experts chosen expert of assignment t*k+j [T*k], j-th choice in descending probability
 * @param gates gate weight of each assignment [T*k]
 * @param probs router softmax [T*E] (one-hot on the forced expert when routing was forced)
 * @param tokensPerExpert [E]
 * @param routed true when the router ran; false when every token was forced to one expert
 * @param logits the logits the softmax saw [T*E], row-major; {@code probs = softmax(logits)} per
 *     token. These are the router's output, or, while {@link MoeLayer#setLogitShuffle logit
 *     shuffling} is on, that output with each token's row permuted. Empty (length 0) when routing
 *     was forced, since the router did not run
 * @param modalities the modality tag of each token in that forward [T]
 * @param rows the input row of each token [T], ascending (0..T-1 when no row was padding)
 */
public record RoutingRecord(
    int numTokens,
    int numExperts,
    int topK,
    int[] experts,
    double[] gates,
    double[] probs,
    int[] tokensPerExpert,
    boolean routed,
    double[] logits,
    Modality[] modalities,
    int[] rows) {

  public RoutingRecord {
    if (experts.length != numTokens * topK || gates.length != numTokens * topK) {
      throw new IllegalArgumentException(
          "experts and gates need T*k = " + numTokens * topK + " entries, got " + experts.length
              + " and " + gates.length);
    }
    if (probs.length != numTokens * numExperts || tokensPerExpert.length != numExperts) {
      throw new IllegalArgumentException(
          "probs need T*E = " + numTokens * numExperts + " entries and tokensPerExpert E = "
              + numExperts + ", got " + probs.length + " and " + tokensPerExpert.length);
    }
    if (logits.length != (routed ? numTokens * numExperts : 0)) {
      throw new IllegalArgumentException(
          "logits need " + (routed ? "T*E = " + numTokens * numExperts : "0 (forced routing)")
              + " entries, got " + logits.length);
    }
    if (modalities.length != numTokens) {
      throw new IllegalArgumentException(
          "modalities need T = " + numTokens + " entries, got " + modalities.length);
    }
    if (rows.length != numTokens) {
      throw new IllegalArgumentException(
          "rows need T = " + numTokens + " entries, got " + rows.length);
    }
  }

  static RoutingRecord of(RoutingPlan p, Modality[] modalities, int[] rows) {
    int[] counts = new int[p.numExperts];
    for (int e = 0; e < p.numExperts; e++) {
      counts[e] = p.count(e);
    }
    boolean routed = p.logits != null;
    return new RoutingRecord(
        p.numTokens,
        p.numExperts,
        p.topK,
        p.expert.clone(),
        p.gate.clone(),
        p.probs.clone(),
        counts,
        routed,
        routed ? p.logits.clone() : new double[0],
        modalities.clone(),
        rows.clone());
  }

  /** The j-th chosen expert of token t. */
  public int expert(int t, int j) {
    return experts[t * topK + j];
  }

  /** The router probability of expert e for token t. */
  public double prob(int t, int e) {
    return probs[t * numExperts + e];
  }

  /**
   * The logit of expert e for token t.
   *
   * @throws IllegalStateException when routing was forced (no logits)
   */
  public double logit(int t, int e) {
    if (!routed) {
      throw new IllegalStateException("routing was forced to one expert: the router produced no logits");
    }
    return logits[t * numExperts + e];
  }

  /** The modality tag of token t. */
  public Modality modality(int t) {
    return modalities[t];
  }
}
