package org.evomoe.moe;

import java.util.ArrayList;
import java.util.List;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.Router;

/** Sparse upcycling (MoE-LLaVA's initialisation): every expert starts as a copy of a dense FFN. */
public final class Upcycling {
  private Upcycling() {}

  /**
   * A MoE layer whose E experts are deep copies of {@code dense}, named {@code
   * prefix.experts.{e}}. The dense FFN itself is not used by the layer.
   *
   * @param prefix parameter prefix of the MoE block, e.g. {@code model.layers.0.mlp}
   */
  public static MoeLayer fromDense(SwiGluFfn dense, MoeConfig config, Router router, String prefix) {
    if (dense.dModel() != config.dModel() || dense.dHidden() != config.dHidden()) {
      throw new IllegalArgumentException(
          "dense FFN is " + dense.dModel() + "x" + dense.dHidden() + ", config needs "
              + config.dModel() + "x" + config.dHidden());
    }
    List<SwiGluFfn> experts = new ArrayList<>(config.numExperts());
    for (int e = 0; e < config.numExperts(); e++) {
      experts.add(dense.copy(prefix + ".experts." + e));
    }
    return new MoeLayer(config, router, experts);
  }
}
