package org.evomoe.tuning;

/**
 * How the MoE layers run during a stage. A stage never carries top-k, renormalisation or loss
 * weights: routed stages use each layer's own {@link org.evomoe.moe.RoutingConfig}.
 */
public enum StageRouting {
  /**
   * Every token goes to expert 0 with gate 1 and the router is bypassed (Stage I and Stage II: the
   * seed runs as the dense FFN); no auxiliary loss.
   */
  SEED_ONLY,
  /** The layers route with their own routing configuration. */
  ROUTED
}
