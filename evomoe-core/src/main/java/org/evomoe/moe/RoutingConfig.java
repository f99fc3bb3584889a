package org.evomoe.moe;

import org.evomoe.router.RouterKind;

/**
 * How a MoE layer routes: the one description of routing that a layer ({@link MoeConfig#routing()}),
 * a model configuration and a checkpoint carry. Training stages never copy or change it: a stage
 * only runs the layers either seed-only or routed with the layer's own routing.
 *
 * <p>Presets for the two papers' conventions: {@link #moeLlava()} (top-2, renormalised, alpha =
 * 0.01, linear router) and {@link #evoMoe()} (top-1, alpha = 0.001, DTR, and this project's DTR
 * z-loss {@link #DTR_Z_LOSS}).
 *
 * @param topK experts per token, &gt;= 1 (and &lt;= the layer's expert count, checked by {@link
 *     MoeConfig})
 * @param renormalize for k &gt; 1: divide the chosen probabilities by their sum (Mixtral,
 *     MoE-LLaVA), so each token's gates sum to 1. Ignored for k = 1, whose gate is always the raw
 *     top-1 probability (renormalising would make it 1.0 and cut the router off from the
 *     language-model gradient)
 * @param auxLossWeight alpha of the load-balancing loss {@code E * sum_i F_i G_i}, finite and
 *     &gt;= 0 (0 disables it)
 * @param zLossWeight weight of the router z-loss {@code mean_t logsumexp(logits_t)^2}, finite and
 *     &gt;= 0 (0 disables it)
 * @param routerKind the router family of the layer
 */
public record RoutingConfig(
    int topK, boolean renormalize, double auxLossWeight, double zLossWeight, RouterKind routerKind) {
  public RoutingConfig {
    if (topK < 1) {
      throw new IllegalArgumentException("topK must be >= 1, got " + topK);
    }
    if (!(auxLossWeight >= 0) || Double.isInfinite(auxLossWeight)) {
      throw new IllegalArgumentException("auxLossWeight must be finite and >= 0, got " + auxLossWeight);
    }
    if (!(zLossWeight >= 0) || Double.isInfinite(zLossWeight)) {
      throw new IllegalArgumentException("zLossWeight must be finite and >= 0, got " + zLossWeight);
    }
    if (routerKind == null) {
      throw new IllegalArgumentException("routerKind must not be null");
    }
  }

  /**
   * Router z-loss weight for a Dynamic Token-aware Router: this project's choice, not the paper's
   * (which names no z-loss). The DTR's logits are a product of several learned factors (the
   * generated weights enter twice through SwiGLU, then Theta_up and phi); trained with AdamW at
   * this project's learning rates (3e-3, far above the paper's 2e-5) and no z-loss, they grow to
   * about 1e4-1e5 within one Stage III, the softmax saturates (routing entropy about 0.003 nats)
   * and the router receives no gradient from the language-model loss. 1e-2 keeps the largest logit
   * near 25 with the validation loss level with the saturated router's; measured in
   * docs/regime-sweep.md ("The DTR's logits").
   */
  public static final double DTR_Z_LOSS = 1e-2;

  /** MoE-LLaVA's routing: top-2, renormalised gates, alpha = 0.01, no z-loss, linear router. */
  public static RoutingConfig moeLlava() {
    return new RoutingConfig(2, true, 0.01, 0.0, RouterKind.LINEAR);
  }

  /**
   * EvoMoE's Stage III routing: top-1 (raw gate), alpha = 0.001, the DTR, with the DTR z-loss
   * {@link #DTR_Z_LOSS} (this project's addition, see there).
   */
  public static RoutingConfig evoMoe() {
    return new RoutingConfig(1, false, 0.001, DTR_Z_LOSS, RouterKind.DTR);
  }

  /**
   * The z-loss weight this project gives a router kind: {@link #DTR_Z_LOSS} for the DTR, 0 for the
   * linear routers (whose logits stay within a few units without one).
   */
  public static double zLossFor(RouterKind kind) {
    return kind == RouterKind.DTR ? DTR_Z_LOSS : 0.0;
  }

  /** Top-k without renormalisation, load-balancing weight alpha, no z-loss. */
  public static RoutingConfig of(RouterKind kind, int topK, double auxLossWeight) {
    return new RoutingConfig(topK, false, auxLossWeight, 0.0, kind);
  }

  /** Whether gates are renormalised in practice: {@code renormalize && topK > 1}. */
  public boolean renormalizesGates() {
    return renormalize && topK > 1;
  }

  public RoutingConfig withTopK(int k) {
    return new RoutingConfig(k, renormalize, auxLossWeight, zLossWeight, routerKind);
  }

  public RoutingConfig withRenormalize(boolean r) {
    return new RoutingConfig(topK, r, auxLossWeight, zLossWeight, routerKind);
  }

  public RoutingConfig withAuxLossWeight(double alpha) {
    return new RoutingConfig(topK, renormalize, alpha, zLossWeight, routerKind);
  }

  public RoutingConfig withZLossWeight(double z) {
    return new RoutingConfig(topK, renormalize, auxLossWeight, z, routerKind);
  }

  public RoutingConfig withRouterKind(RouterKind kind) {
    return new RoutingConfig(topK, renormalize, auxLossWeight, zLossWeight, kind);
  }

  /**
   * Throws unless this routing fits a layer of {@code numExperts} experts ({@code topK <=
   * numExperts}).
   */
  public void requireFits(int numExperts) {
    if (topK > numExperts) {
      throw new IllegalArgumentException(
          "topK must be in [1, numExperts=" + numExperts + "], got " + topK);
    }
  }
}
