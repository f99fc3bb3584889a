package org.evomoe.examples.model;

import org.evomoe.moe.RoutingConfig;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.Modalities;
import org.evomoe.router.RouterKind;

/**
 * The MoE part of a {@link ModelConfig}: what every MoE layer of the decoder looks like, beyond
 * what the decoder already states. A layer's width is the decoder's {@code dModel}, its expert
 * hidden width the decoder's {@code ffnHidden} (experts are the LLaMA SwiGLU FFN), its prefix
 * {@code model.layers.i.mlp} and its data type the model's: {@link ModelConfig#moeLayerSpec}
 * combines them into the layer's {@link org.evomoe.moe.MoeLayerSpec}, from which the layer, its
 * router and its parameter names follow. No value here repeats one of the decoder's.
 *
 * @param numExperts E &gt;= 1
 * @param routing the layers' routing (top-k &lt;= E, renormalisation, loss weights, router kind);
 *     the same record each MoE layer's {@link org.evomoe.moe.MoeConfig} holds
 * @param modalities the tokens' modalities (null: {@link Modalities#IMAGE_TEXT}, the example
 *     model's image and text tokens)
 * @param dtr the DTR's options when the router kind is DTR (null: {@link DtrConfig#defaults()});
 *     must be null for the other router kinds
 */
public record MoeSettings(int numExperts, RoutingConfig routing, Modalities modalities, DtrConfig dtr) {
  public MoeSettings {
    if (numExperts <= 0) {
      throw new IllegalArgumentException("numExperts must be positive, got " + numExperts);
    }
    if (routing == null) {
      throw new IllegalArgumentException("routing must not be null");
    }
    routing.requireFits(numExperts);
    if (modalities == null) {
      modalities = Modalities.IMAGE_TEXT;
    }
    if (routing.routerKind() == RouterKind.DTR) {
      if (dtr == null) {
        dtr = DtrConfig.defaults();
      }
    } else if (dtr != null) {
      throw new IllegalArgumentException(
          "DTR options are only allowed with router kind DTR, not " + routing.routerKind());
    }
  }

  /** E experts with this routing, the default modalities and (for the DTR) default options. */
  public MoeSettings(int numExperts, RoutingConfig routing) {
    this(numExperts, routing, null, null);
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

  /**
   * The same experts and modalities with another routing; the DTR options are kept when both
   * routings use the DTR, the defaults when the new one does and the old one did not.
   */
  public MoeSettings withRouting(RoutingConfig r) {
    return new MoeSettings(numExperts, r, modalities,
        r.routerKind() == RouterKind.DTR ? dtr : null);
  }

  /** The same settings with other DTR options (the router kind must be DTR). */
  public MoeSettings withDtr(DtrConfig options) {
    return new MoeSettings(numExperts, routing, modalities, options);
  }

  /** The same settings with other modalities. */
  public MoeSettings withModalities(Modalities m) {
    return new MoeSettings(numExperts, routing, m, dtr);
  }
}
