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
 * dtr        (Stage III) router only, top-1, alpha = 0.001, experts frozen
 * moeLlava   baseline: upcycled copies + router, top-2, alpha = 0.01
 * </pre>
 */
public final class Stages {
  private Stages() {}

  public static StageConfig alignment(OptimSettings optim) {
    return new StageConfig("alignment", EnumSet.of(ParameterRole.PROJECTOR),
        StageRouting.seedOnlyRouting(), null, optim);
  }

  public static StageConfig warmup(OptimSettings optim) {
    return new StageConfig("stage1-warmup",
        EnumSet.of(ParameterRole.LANGUAGE, ParameterRole.PROJECTOR, ParameterRole.EXPERT_SEED),
        StageRouting.seedOnlyRouting(), null, optim);
  }

  public static StageConfig evolution(OptimSettings optim, EvolutionConfig evolution) {
    return new StageConfig("stage2-evolution", EnumSet.of(ParameterRole.EXPERT_SEED),
        StageRouting.seedOnlyRouting(), evolution, optim);
  }

  /** Stage III with the paper's routing: top-1, alpha = 0.001. */
  public static StageConfig dtr(OptimSettings optim) {
    return dtr(optim, StageRouting.routed(1, 0.001));
  }

  public static StageConfig dtr(OptimSettings optim, StageRouting routing) {
    return new StageConfig("stage3-router", EnumSet.of(ParameterRole.ROUTER), routing, null, optim);
  }

  /** MoE-LLaVA's MoE stage: all experts and the router train, top-2, alpha = 0.01. */
  public static StageConfig moeLlava(OptimSettings optim) {
    return new StageConfig("moe-llava",
        EnumSet.of(ParameterRole.EXPERT_SEED, ParameterRole.EXPERT_OTHER, ParameterRole.ROUTER),
        StageRouting.routed(2, 0.01), null, optim);
  }

  /** Dense continued training (the dense arm): what Stage I trains, for more steps. */
  public static StageConfig denseContinued(OptimSettings optim) {
    return new StageConfig("dense-continued",
        EnumSet.of(ParameterRole.LANGUAGE, ParameterRole.PROJECTOR, ParameterRole.EXPERT_SEED),
        StageRouting.seedOnlyRouting(), null, optim);
  }
}
