package org.evomoe.examples.study;

import java.util.EnumSet;
import java.util.List;
import org.evomoe.evolution.EvolutionConfig;
import org.evomoe.examples.model.MoeSettings;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.pipeline.DemoPipeline;
import org.evomoe.examples.pipeline.DemoPipeline.Pool;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.moe.Upcycling;
import org.evomoe.tuning.OptimSettings;
import org.evomoe.tuning.ParameterRole;
import org.evomoe.tuning.StageConfig;
import org.evomoe.tuning.StageRouting;
import org.evomoe.tuning.Stages;

/**
 * The model and stages of an arm, and of the shared Stage I. Every arm gets {@code stage2Steps +
 * stage3Steps} optimiser steps after Stage I on the seed's {@link Pool#ARMS} batches, step {@code
 * j} of that budget on batch {@code j} whatever the arm: the evolved arms' Stage III continues the
 * order where their Stage II stopped.
 */
public final class ArmRecipe {
  private ArmRecipe() {}

  /**
   * The routing an arm's MoE layers are built with (stages never change it): upcycled family
   * {@link RoutingConfig#moeLlava()} (top-2 renormalised, alpha 0.01), evolved family {@link
   * RoutingConfig#evoMoe()} (top-1, alpha 0.001), each with the arm's router kind and that kind's
   * z-loss ({@link RoutingConfig#zLossFor}: the DTR's in every DTR arm, none for the linear
   * routers); null for the dense arm.
   */
  static RoutingConfig routing(Arm arm) {
    return switch (arm.family()) {
      case DENSE -> null;
      case UPCYCLED -> RoutingConfig.moeLlava().withRouterKind(arm.router())
          .withZLossWeight(RoutingConfig.zLossFor(arm.router()));
      case EVOLVED -> RoutingConfig.evoMoe().withRouterKind(arm.router())
          .withZLossWeight(RoutingConfig.zLossFor(arm.router()));
    };
  }

  /**
   * After the stages (which put the layers' forced expert back as it was): the Stage I model and
   * the dense arm run their MoE layers as the seed FFN, as they trained.
   */
  static void seedOnly(VisionLanguageModel m) {
    for (MoeLayer moe : m.moeLayers()) {
      moe.forceExpert(0);
    }
  }

  /** The settings' optimiser: AdamW, cosine with 3% warm-up to 10% of the peak, no decay, clip 1. */
  public static OptimSettings optim(int steps, double lr) {
    return new OptimSettings(steps, 1, lr, 0.03, 0.1, 0.0, 1.0);
  }

  /** A fresh model for Stage I. */
  static VisionLanguageModel stage1Model(DemoPipeline p) {
    return p.newModel(p.baseMoe());
  }

  /** Alignment (when it has steps) and Stage I. */
  static List<PlannedStage> stage1(DemoSettings s) {
    PlannedStage warmup = new PlannedStage(Stages.warmup(optim(s.stage1Steps(), s.lr())), Pool.STAGE1, 0);
    if (s.alignSteps() == 0) {
      return List.of(warmup);
    }
    return List.of(new PlannedStage(Stages.alignment(optim(s.alignSteps(), s.lr())), Pool.CAPTIONS, 0),
        warmup);
  }

  /** The arm's model before its stages: Stage I weights not yet loaded. */
  static VisionLanguageModel model(DemoPipeline p, Arm arm) {
    DemoSettings s = p.settings();
    return switch (arm.family()) {
      case DENSE -> p.newModel(p.baseMoe());
      case UPCYCLED, EVOLVED -> p.newModel(new MoeSettings(s.experts(), routing(arm)));
    };
  }

  /** After loading the Stage I weights: upcycled arms copy the seed FFN into every expert. */
  static void initialise(VisionLanguageModel m, Arm arm) {
    if (arm.family() == ArmFamily.UPCYCLED) {
      for (MoeLayer moe : m.moeLayers()) {
        Upcycling.copyExpertIntoOthers(moe, 0);
      }
    }
  }

  /** The arm's stages after Stage I. */
  static List<PlannedStage> stages(DemoSettings s, Arm arm) {
    int budget = s.stage2Steps() + s.stage3Steps();
    return switch (arm.family()) {
      case DENSE -> List.of(new PlannedStage(Stages.denseContinued(optim(budget, s.lrAfter())), Pool.ARMS, 0));
      case UPCYCLED -> List.of(new PlannedStage(new StageConfig("upcycled-moe",
          EnumSet.of(ParameterRole.EXPERT_SEED, ParameterRole.EXPERT_OTHER, ParameterRole.ROUTER),
          StageRouting.ROUTED, null, optim(budget, s.lrAfter())).requiring(routing(arm)),
          Pool.ARMS, 0));
      case EVOLVED -> List.of(
          new PlannedStage(Stages.evolution(optim(s.stage2Steps(), s.lrAfter()),
              EvolutionConfig.paperDefaults(s.experts(), s.seed()).withRule(arm.evolution())),
              Pool.ARMS, 0),
          new PlannedStage(Stages.dtr(optim(s.stage3Steps(), s.lrAfter())).requiring(routing(arm)),
              Pool.ARMS, s.stage2Steps()));
    };
  }

  /** Optimiser steps after Stage I (the same for every arm). */
  static int budget(DemoSettings s) {
    return s.stage2Steps() + s.stage3Steps();
  }
}
