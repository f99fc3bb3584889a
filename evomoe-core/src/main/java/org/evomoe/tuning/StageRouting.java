package org.evomoe.tuning;

/**
 * How the MoE layers run during a stage.
 *
 * @param seedOnly every token goes to expert 0 with gate 1 and the router is bypassed (Stage I
 *     and Stage II: the seed runs as the dense FFN)
 * @param topK experts per token when routed
 * @param renormalize renormalise the chosen probabilities (k > 1 only)
 * @param auxLossWeight load-balancing weight alpha
 * @param zLossWeight router z-loss weight
 */
public record StageRouting(
    boolean seedOnly, int topK, boolean renormalize, double auxLossWeight, double zLossWeight) {
  public StageRouting {
    if (!seedOnly && topK < 1) {
      throw new IllegalArgumentException("routed stages need topK >= 1, got " + topK);
    }
    if (!(auxLossWeight >= 0) || !(zLossWeight >= 0)) {
      throw new IllegalArgumentException(
          "loss weights must be >= 0, got alpha=" + auxLossWeight + " z=" + zLossWeight);
    }
  }

  /** The seed expert as a dense FFN. */
  public static StageRouting seedOnlyRouting() {
    return new StageRouting(true, 1, false, 0, 0);
  }

  /** Routed top-k without renormalisation, with load-balancing weight alpha. */
  public static StageRouting routed(int topK, double alpha) {
    return new StageRouting(false, topK, false, alpha, 0);
  }
}
