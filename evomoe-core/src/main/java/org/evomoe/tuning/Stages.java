package org.evomoe.tuning;

import java.util.EnumSet;
import org.evomoe.evolution.EvolutionConfig;

/**
 * The stages of EvoMoE and of the MoE-LLaVA baseline (arXiv 2505.23830, 2401.15947).
 *
 * <pre>
 * alignment  projector only, MoE layers as their dense seed
 * warmup     (Stage I) language model + projector + seed FFNs, dense
 * evolution  (Stage II) seed FFNs only; experts 2..N evolve after every step
 * dtr        (Stage III) router only, experts frozen, routed
 * moeLlava   baseline: upcycled copies + router train, routed
 * </pre>
 *
 * <p>No stage carries or sets top-k, renormalisation or loss weights: routed stages run with each
 * MoE layer's own {@link org.evomoe.moe.RoutingConfig}. Build the layers with the paper's routing
 * ({@link org.evomoe.moe.RoutingConfig#evoMoe()} for Stage III, {@link
 * org.evomoe.moe.RoutingConfig#moeLlava()} for the baseline), or call {@link
 * StageConfig#requiring} to have the trainer refuse layers that route otherwise. A stage restores
 * the layers' forced experts and the parameters' trainable flags when its trainer closes.
 */
public final class Stages {
  private Stages() {}

  public static StageConfig alignment(OptimSettings optim) {
    return new StageConfig("alignment", EnumSet.of(ParameterRole.PROJECTOR),
        StageRouting.SEED_ONLY, null, optim);
  }

  public static StageConfig warmup(OptimSettings optim) {
    return new StageConfig("stage1-warmup",
        EnumSet.of(ParameterRole.LANGUAGE, ParameterRole.PROJECTOR, ParameterRole.EXPERT_SEED),
        StageRouting.SEED_ONLY, null, optim);
  }

  public static StageConfig evolution(OptimSettings optim, EvolutionConfig evolution) {
    return new StageConfig("stage2-evolution", EnumSet.of(ParameterRole.EXPERT_SEED),
        StageRouting.SEED_ONLY, evolution, optim);
  }

  /**
   * Stage III: only the routers train, experts frozen, routed with the layers' own routing (the
   * paper's is {@link org.evomoe.moe.RoutingConfig#evoMoe()}: top-1, alpha = 0.001).
   */
  public static StageConfig dtr(OptimSettings optim) {
    return new StageConfig("stage3-router", EnumSet.of(ParameterRole.ROUTER),
        StageRouting.ROUTED, null, optim);
  }

  /**
   * MoE-LLaVA's MoE stage: all experts and the router train, routed with the layers' own routing
   * (MoE-LLaVA's is {@link org.evomoe.moe.RoutingConfig#moeLlava()}: top-2 renormalised, alpha =
   * 0.01).
   */
  public static StageConfig moeLlava(OptimSettings optim) {
    return new StageConfig("moe-llava",
        EnumSet.of(ParameterRole.EXPERT_SEED, ParameterRole.EXPERT_OTHER, ParameterRole.ROUTER),
        StageRouting.ROUTED, null, optim);
  }

  /** Dense continued training (the dense arm): what Stage I trains, for more steps. */
  public static StageConfig denseContinued(OptimSettings optim) {
    return new StageConfig("dense-continued",
        EnumSet.of(ParameterRole.LANGUAGE, ParameterRole.PROJECTOR, ParameterRole.EXPERT_SEED),
        StageRouting.SEED_ONLY, null, optim);
  }
}
