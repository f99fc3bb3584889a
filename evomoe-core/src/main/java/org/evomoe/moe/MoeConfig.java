package org.evomoe.moe;

import org.evomoe.router.RouterKind;

/**
 * Configuration of one sparse MoE layer: its sizes and its {@link RoutingConfig}.
 *
 * @param dModel model width d (expert input and output)
 * @param dHidden expert hidden width (SwiGLU)
 * @param numExperts E &gt;= 1
 * @param routing top-k (&lt;= E), renormalisation, loss weights and router kind
 */
public record MoeConfig(int dModel, int dHidden, int numExperts, RoutingConfig routing) {
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
    if (routing == null) {
      throw new IllegalArgumentException("routing must not be null");
    }
    routing.requireFits(numExperts);
  }

  /** Top-k of E with a linear router, no renormalisation, the given alpha, no z-loss. */
  public static MoeConfig of(int dModel, int dHidden, int numExperts, int topK, double auxLossWeight) {
    return new MoeConfig(dModel, dHidden, numExperts,
        RoutingConfig.of(RouterKind.LINEAR, topK, auxLossWeight));
  }

  /** The same sizes with another routing. */
  public MoeConfig withRouting(RoutingConfig r) {
    return new MoeConfig(dModel, dHidden, numExperts, r);
  }

  /** {@code routing().topK()}. */
  public int topK() {
    return routing.topK();
  }

  /** {@code routing().renormalize()}. */
  public boolean renormalize() {
    return routing.renormalize();
  }

  /** {@code routing().auxLossWeight()}. */
  public double auxLossWeight() {
    return routing.auxLossWeight();
  }

  /** {@code routing().zLossWeight()}. */
  public double zLossWeight() {
    return routing.zLossWeight();
  }
}
