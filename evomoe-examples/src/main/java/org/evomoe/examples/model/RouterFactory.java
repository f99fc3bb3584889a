package org.evomoe.examples.model;

import java.util.SplittableRandom;
import org.evomoe.router.Router;
import org.evomoe.router.RouterKind;
import org.nd4j.linalg.api.buffer.DataType;

/** Builds the router of one MoE layer (used when a model is created and when it is upcycled). */
@FunctionalInterface
public interface RouterFactory {
  /**
   * @param name parameter prefix, e.g. {@code model.layers.0.mlp.gate}
   * @param dModel router input width d
   * @param numExperts E
   * @return a router mapping [T, d] to logits [T, E]
   */
  Router create(String name, int dModel, int numExperts, DataType type, SplittableRandom rng);

  /** Routers of one kind with its default sizes ({@link RouterKind#create}). */
  static RouterFactory of(RouterKind kind) {
    return kind::create;
  }

  /** MoE-LLaVA's linear router, weight {@code name.weight [E, d]} ~ N(0, 1/d). */
  static RouterFactory linear() {
    return of(RouterKind.LINEAR);
  }

  /** One linear router per modality, {@code name.image.weight}, {@code name.text.weight}. */
  static RouterFactory modalityLinear() {
    return of(RouterKind.MODALITY_LINEAR);
  }

  /** The Dynamic Token-aware Router with {@link org.evomoe.router.DtrConfig#defaults}. */
  static RouterFactory dtr() {
    return of(RouterKind.DTR);
  }
}
