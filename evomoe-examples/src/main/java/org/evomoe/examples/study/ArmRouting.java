package org.evomoe.examples.study;

import org.evomoe.examples.checkpoint.ModelSpec;
import org.evomoe.examples.model.MoeSettings;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.moe.RoutingConfig;

/**
 * How a trained model's MoE layers route, read from the layers themselves (never a copy of the
 * recipe): what a results file reports is what the model ran with.
 *
 * @param mode "routed", or "seed-only" (every token to the seed expert with gate 1: a dense FFN)
 * @param router router kind ("linear", "modality-linear", "dtr")
 * @param topK experts per token
 * @param renormalize whether the chosen top-k probabilities are renormalised (k > 1)
 * @param auxLossWeight load-balancing weight alpha
 * @param zLossWeight router z-loss weight
 */
public record ArmRouting(String mode, String router, int topK, boolean renormalize,
    double auxLossWeight, double zLossWeight) {

  /** The routing every MoE layer of {@code model} runs with (the layers must agree). */
  public static ArmRouting of(VisionLanguageModel model) {
    ModelSpec spec = ModelSpec.of(model);
    MoeSettings m = spec.decoder().moe();
    RoutingConfig r = m.routing();
    return new ArmRouting(spec.moeMode().jsonName(),
        r.routerKind().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), r.topK(),
        r.renormalize(), r.auxLossWeight(), r.zLossWeight());
  }
}
