package org.evomoe.dl4j;

/**
 * Which parameters of a {@link MoeFfnLayer} train, and whether it routes. Frozen parameters get
 * DL4J's {@code NoOp} updater and no regularisation, and the layer computes no gradient for them.
 *
 * <p>DL4J fixes updaters when a network is built, so a network changes phase by being rebuilt with
 * the same parameters ({@link MoeFfnLayers#withPhase}); the optimiser state starts afresh, as at
 * the start of every EvoMoE stage.
 */
public enum MoeTrainingPhase {
  /** Routed top-k; router and every expert train (MoE-LLaVA's fine-tuning, a plain MoE). */
  ROUTED,
  /**
   * EvoMoE Stage II: no routing, every token goes to the seed expert 0 (a dense FFN); only the seed
   * trains and experts 1..E-1 move by expert evolution ({@link ExpertEvolutionListener}). At
   * initialisation the other experts start as copies of the seed.
   */
  EVOLUTION,
  /** EvoMoE Stage III: routed top-k; only the router trains, every expert is frozen. */
  ROUTER_ONLY;

  /** Whether the layer routes tokens in this phase (false: all tokens to expert 0). */
  public boolean routes() {
    return this != EVOLUTION;
  }

  /** Whether the router's parameters train in this phase. */
  public boolean trainsRouter() {
    return this != EVOLUTION;
  }

  /** Whether expert {@code e}'s parameters train in this phase. */
  public boolean trainsExpert(int e) {
    return switch (this) {
      case ROUTED -> true;
      case EVOLUTION -> e == 0;
      case ROUTER_ONLY -> false;
    };
  }
}
