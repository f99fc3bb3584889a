package org.evomoe.examples.model;

/**
 * The MoE part of a {@link ModelConfig}: what every MoE layer of the decoder looks like. Expert
 * width is the model's {@code ffnHidden} (experts are the LLaMA SwiGLU FFN).
 *
 * @param numExperts E &gt;= 1
 * @param topK experts per token, 1 &lt;= k &lt;= E
 * @param renormalize for k &gt; 1, divide the chosen probabilities by their sum (ignored for k = 1)
 * @param auxLossWeight alpha of the load-balancing loss (EvoMoE: 0.001, MoE-LLaVA: 0.01), &gt;= 0
 * @param zLossWeight router z-loss weight, &gt;= 0 (0 disables it)
 * @param router router kind
 */
public record MoeSettings(
    int numExperts,
    int topK,
    boolean renormalize,
    double auxLossWeight,
    double zLossWeight,
    RouterKind router) {
  public MoeSettings {
    // The core's MoeConfig validates the shared fields with the same messages (sizes are dummies).
    new org.evomoe.moe.MoeConfig(1, 1, numExperts, topK, renormalize, auxLossWeight, zLossWeight);
    if (router == null) {
      throw new IllegalArgumentException("router kind must not be null");
    }
  }

  /** EvoMoE's Stage III setting: top-1 of E experts, the DTR, alpha = 0.001, no z-loss. */
  public static MoeSettings evoMoe(int numExperts) {
    return new MoeSettings(numExperts, 1, false, 0.001, 0.0, RouterKind.DTR);
  }

  /** MoE-LLaVA's setting: top-2 of E experts (renormalised), linear router, alpha = 0.01. */
  public static MoeSettings moeLlava(int numExperts) {
    return new MoeSettings(numExperts, 2, true, 0.01, 0.0, RouterKind.LINEAR);
  }
}
