package org.evomoe.examples.model;

import java.util.Set;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.router.RouterKind;

/** Tiny configurations for fast tests. */
final class Configs {
  private Configs() {}

  /** V = 13, d = 8, 2 layers, 2 heads of 4, kvHeads as given, FFN 12; MoE on layer 0. */
  static ModelConfig tiny(int kvHeads, MoeSettings moe) {
    return new ModelConfig(13, 8, 2, 2, kvHeads, 12, 10000, 1e-6, Set.of(0), moe);
  }

  /** Top-2 of 3 experts, renormalised, strong auxiliary and z-loss weights so they are visible. */
  static MoeSettings moe() {
    return new MoeSettings(3, new RoutingConfig(2, true, 0.1, 0.01, RouterKind.LINEAR));
  }
}
