package org.evomoe.router;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The family of a MoE layer's router, as recorded in a {@link org.evomoe.moe.RoutingConfig} and in
 * a checkpoint's configuration. {@link #of(Router)} reads the kind of a router instance; {@link
 * #create} builds a fresh router of the kind (the DTR with {@link DtrConfig#defaults()}).
 */
public enum RouterKind {
  /** {@link LinearRouter}: logits = x W^T, one W for every modality (MoE-LLaVA). */
  LINEAR,
  /** {@link ModalityLinearRouter}: one W per modality (the paper's ablation). */
  MODALITY_LINEAR,
  /** {@link DynamicTokenRouter}: EvoMoE's Dynamic Token-aware Router. */
  DTR;

  /**
   * The kind of a router instance, or null when its class is none of the three routers above (a
   * user's own router: a layer then accepts any kind in its configuration).
   */
  public static RouterKind of(Router router) {
    if (router instanceof LinearRouter) {
      return LINEAR;
    }
    if (router instanceof ModalityLinearRouter) {
      return MODALITY_LINEAR;
    }
    if (router instanceof DynamicTokenRouter) {
      return DTR;
    }
    return null;
  }

  /**
   * A freshly initialised router of this kind mapping [T, d] to logits [T, E], for the default
   * modalities {@link Modalities#IMAGE_TEXT} (the DTR with {@link DtrConfig#defaults()}).
   *
   * @param prefix parameter prefix, e.g. {@code model.layers.0.mlp.gate}
   * @param dModel d
   * @param numExperts E
   */
  public Router create(
      String prefix, int dModel, int numExperts, DataType type, SplittableRandom rng) {
    return create(prefix, dModel, numExperts, Modalities.IMAGE_TEXT,
        this == DTR ? DtrConfig.defaults() : null, type, rng);
  }

  /**
   * A freshly initialised router of this kind mapping [T, d] to logits [T, E].
   *
   * @param modalities the tags it accepts (one weight set per modality for MODALITY_LINEAR and DTR)
   * @param dtr the DTR's settings: required for DTR, must be null for the other kinds
   */
  public Router create(String prefix, int dModel, int numExperts, Modalities modalities,
      DtrConfig dtr, DataType type, SplittableRandom rng) {
    if ((this == DTR) != (dtr != null)) {
      throw new IllegalArgumentException(this == DTR
          ? "the DTR needs its DtrConfig" : "a DtrConfig was given for router kind " + this);
    }
    return switch (this) {
      case LINEAR -> new LinearRouter(prefix, dModel, numExperts, modalities, type, rng);
      case MODALITY_LINEAR ->
          new ModalityLinearRouter(prefix, dModel, numExperts, modalities, type, rng);
      case DTR -> new DynamicTokenRouter(prefix, dModel, numExperts, modalities, dtr, type, rng);
    };
  }
}
