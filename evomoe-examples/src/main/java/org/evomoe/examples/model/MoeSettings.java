package org.evomoe.examples.model;

import org.evomoe.moe.RoutingConfig;

/**
 * The MoE part of a {@link ModelConfig}: what every MoE layer of the decoder looks like. Expert
 * width is the model's {@code ffnHidden} (experts are the LLaMA SwiGLU FFN).
 *
 * @param numExperts E &gt;= 1
 * @param routing the layers' routing (top-k &lt;= E, renormalisation, loss weights, router kind);
 *     the same record each MoE layer's {@link org.evomoe.moe.MoeConfig} holds
 */
public record MoeSettings(int numExperts, RoutingConfig routing) {
  public MoeSettings {
    if (numExperts <= 0) {
      throw new IllegalArgumentException("numExperts must be positive, got " + numExperts);
    }
    if (routing == null) {
      throw new IllegalArgumentException("routing must not be null");
    }
    routing.requireFits(numExperts);
  }

  /** EvoMoE's setting: E experts with {@link RoutingConfig#evoMoe()} (top-1, DTR, alpha 0.001). */
  public static MoeSettings evoMoe(int numExperts) {
    return new MoeSettings(numExperts, RoutingConfig.evoMoe());
  }

  /**
   * MoE-LLaVA's setting: E experts with {@link RoutingConfig#moeLlava()} (top-2 renormalised,
   * linear router, alpha 0.01).
   */
  public static MoeSettings moeLlava(int numExperts) {
    return new MoeSettings(numExperts, RoutingConfig.moeLlava());
  }

  /** The same expert count with another routing. */
  public MoeSettings withRouting(RoutingConfig r) {
    return new MoeSettings(numExperts, r);
  }
}
