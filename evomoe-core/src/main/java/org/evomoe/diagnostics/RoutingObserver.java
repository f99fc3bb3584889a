package org.evomoe.diagnostics;

import java.util.List;
import org.evomoe.moe.RoutingRecord;

/**
 * Receives the routing records of a data pass (see {@link RoutingCapture}). The collectors of the
 * routing diagnostics implement it, so that one data pass can feed several of them.
 */
@FunctionalInterface
public interface RoutingObserver {
  /**
   * @param layer the layer's index in the model's list of MoE layers
   * @param record what that layer's forward decided
   */
  void observe(int layer, RoutingRecord record);

  /** An observer that passes each record to every one of {@code observers}, in order. */
  static RoutingObserver all(RoutingObserver... observers) {
    List<RoutingObserver> list = List.of(observers);
    return (layer, record) -> {
      for (RoutingObserver o : list) {
        o.observe(layer, record);
      }
    };
  }
}
