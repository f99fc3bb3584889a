package org.evomoe.diagnostics;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.RoutingRecord;

/**
 * Runs a data pass with a routing listener on every MoE layer of a model.
 *
 * <p>The "model" of the diagnostics is the list of its MoE layers in layer order; a layer's index
 * in that list is the layer number in every report. The "data pass" is any callback that runs the
 * model's forward passes over the evaluation data.
 */
public final class RoutingCapture {
  private RoutingCapture() {}

  /**
   * Attaches a listener to every layer, runs {@code dataPass}, and restores each layer's previous
   * listener, also when the pass throws. A layer that already had a listener keeps receiving its
   * records during the pass (the capture's listener runs after it). The layers' routing settings
   * (forced experts, logit shuffling) are left as they are. The observer is called on the thread
   * that runs each forward; the diagnostics' collectors are not thread-safe, so a captured pass
   * must run its forwards one at a time.
   *
   * @param layers the model's MoE layers, in layer order, each at most once
   * @param dataPass runs forward passes through the layers
   * @param observer receives (layer index, record) for every forward of every layer
   */
  public static void run(List<MoeLayer> layers, Runnable dataPass, RoutingObserver observer) {
    requireLayers(layers);
    if (dataPass == null || observer == null) {
      throw new IllegalArgumentException("data pass and observer must not be null");
    }
    int n = layers.size();
    @SuppressWarnings("unchecked")
    Consumer<RoutingRecord>[] previous = new Consumer[n];
    for (int i = 0; i < n; i++) {
      previous[i] = layers.get(i).routingListener();
    }
    try {
      for (int i = 0; i < n; i++) {
        int layer = i;
        Consumer<RoutingRecord> mine = record -> observer.observe(layer, record);
        layers.get(i).setRoutingListener(previous[i] == null ? mine : previous[i].andThen(mine));
      }
      dataPass.run();
    } finally {
      for (int i = 0; i < n; i++) {
        layers.get(i).setRoutingListener(previous[i]);
      }
    }
  }

  /** Throws unless {@code layers} is a non-empty list of distinct, non-null layers. */
  static void requireLayers(List<MoeLayer> layers) {
    if (layers == null || layers.isEmpty()) {
      throw new IllegalArgumentException("the model needs at least one MoE layer");
    }
    Set<MoeLayer> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (int i = 0; i < layers.size(); i++) {
      MoeLayer l = layers.get(i);
      if (l == null) {
        throw new IllegalArgumentException("MoE layer " + i + " is null");
      }
      if (!seen.add(l)) {
        throw new IllegalArgumentException(
            "MoE layer " + i + " appears twice in the model's layer list");
      }
    }
  }
}
