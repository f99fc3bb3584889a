package org.evomoe.diagnostics;

import java.util.List;
import java.util.random.RandomGenerator;
import org.evomoe.moe.MoeLayer;

/** The routing settings of a model's MoE layers (forced expert, logit shuffle), saved to restore. */
final class RoutingState {
  private final List<MoeLayer> layers;
  private final int[] forced;
  private final RandomGenerator[] shuffle;

  private RoutingState(List<MoeLayer> layers) {
    this.layers = layers;
    forced = new int[layers.size()];
    shuffle = new RandomGenerator[layers.size()];
    for (int i = 0; i < layers.size(); i++) {
      forced[i] = layers.get(i).forcedExpert();
      shuffle[i] = layers.get(i).logitShuffle();
    }
  }

  /** Saves the settings of {@code layers} (validated: non-empty, distinct). */
  static RoutingState save(List<MoeLayer> layers) {
    RoutingCapture.requireLayers(layers);
    return new RoutingState(List.copyOf(layers));
  }

  /** Plain routing on every layer: no forced expert, no logit shuffle. */
  void routeAll() {
    for (MoeLayer l : layers) {
      l.forceExpert(-1);
      l.setLogitShuffle(null);
    }
  }

  /** Puts back the saved settings. */
  void restore() {
    for (int i = 0; i < layers.size(); i++) {
      layers.get(i).forceExpert(forced[i]);
      layers.get(i).setLogitShuffle(shuffle[i]);
    }
  }
}
