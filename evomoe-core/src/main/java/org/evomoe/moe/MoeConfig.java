package org.evomoe.moe;

/**
 * Configuration of one sparse MoE layer.
 *
 * @param dModel model width d (expert input and output)
 * @param dHidden expert hidden width (SwiGLU)
 * @param numExperts E >= 1
 * @param topK experts per token, 1 <= k <= E
 * @param renormalize for k > 1: divide the chosen probabilities by their sum (Mixtral). Ignored for
 *     k = 1, whose gate is always the raw top-1 probability (renormalising would make it 1.0 and
 *     cut the router off from the language-model gradient)
 * @param auxLossWeight alpha of the load-balancing loss E * sum_i F_i * G_i (0 disables it)
 * @param zLossWeight weight of the router z-loss mean_t logsumexp(logits_t)^2 (0 disables it)
 */
public record MoeConfig(
    int dModel,
    int dHidden,
    int numExperts,
    int topK,
    boolean renormalize,
    double auxLossWeight,
    double zLossWeight) {
  public MoeConfig {
    if (dModel <= 0) {
      throw new IllegalArgumentException("dModel must be positive, got " + dModel);
    }
    if (dHidden <= 0) {
      throw new IllegalArgumentException("dHidden must be positive, got " + dHidden);
    }
    if (numExperts <= 0) {
      throw new IllegalArgumentException("numExperts must be positive, got " + numExperts);
    }
    if (topK < 1 || topK > numExperts) {
      throw new IllegalArgumentException(
          "topK must be in [1, numExperts=" + numExperts + "], got " + topK);
    }
    if (!(auxLossWeight >= 0) || Double.isInfinite(auxLossWeight)) {
      throw new IllegalArgumentException("auxLossWeight must be finite and >= 0, got " + auxLossWeight);
    }
    if (!(zLossWeight >= 0) || Double.isInfinite(zLossWeight)) {
      throw new IllegalArgumentException("zLossWeight must be finite and >= 0, got " + zLossWeight);
    }
  }

  /** Top-k of E without renormalisation, the given load-balancing weight, no z-loss. */
  public static MoeConfig of(int dModel, int dHidden, int numExperts, int topK, double auxLossWeight) {
    return new MoeConfig(dModel, dHidden, numExperts, topK, false, auxLossWeight, 0.0);
  }
}
