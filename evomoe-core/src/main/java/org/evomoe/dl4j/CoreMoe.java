package org.evomoe.dl4j;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.MoeLayerSpec;
import org.evomoe.moe.Upcycling;
import org.evomoe.nn.SwiGluFfn;
import org.nd4j.linalg.api.buffer.DataType;

/** Builds the core MoE layer a {@link MoeFfnLayer} describes, with fresh weights. */
final class CoreMoe {
  private CoreMoe() {}

  /**
   * The router (drawn first), then the experts 0..E-1 from {@code rng}, named and sized by the
   * layer's spec; in phase EVOLUTION every expert starts as a copy of the seed expert 0.
   */
  static MoeLayer build(MoeFfnLayer conf, SplittableRandom rng) {
    MoeLayerSpec spec = conf.getSpec();
    MoeConfig c = spec.config();
    DataType type = spec.dataType();
    var router = spec.newRouter(rng);
    List<SwiGluFfn> experts = new ArrayList<>(c.numExperts());
    for (int e = 0; e < c.numExperts(); e++) {
      experts.add(new SwiGluFfn(spec.expertPrefix(e), c.dModel(), c.dHidden(), type, rng));
    }
    MoeLayer moe = new MoeLayer(c, router, experts);
    if (conf.getPhase() == MoeTrainingPhase.EVOLUTION) {
      Upcycling.copyExpertIntoOthers(moe, 0);
    }
    return moe;
  }
}
