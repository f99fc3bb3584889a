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

  /**
   * Overwrites every other expert of {@code moe} with the values of expert {@code source} (the
   * MoE-LLaVA initialisation of an existing MoE layer from its Stage I seed).
   */
  public static void copyExpertIntoOthers(MoeLayer moe, int source) {
    List<SwiGluFfn> ex = moe.experts();
    if (source < 0 || source >= ex.size()) {
      throw new IllegalArgumentException("source expert must be in [0, " + ex.size() + "), got " + source);
    }
    SwiGluFfn s = ex.get(source);
    for (int e = 0; e < ex.size(); e++) {
      if (e != source) {
        ex.get(e).gate().value().assign(s.gate().value());
        ex.get(e).up().value().assign(s.up().value());
        ex.get(e).down().value().assign(s.down().value());
      }
    }
  }
}
