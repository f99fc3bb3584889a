package org.evomoe.tuning;

import java.util.IdentityHashMap;
import java.util.Map;
import org.evomoe.moe.MoeLayer;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.tensor.Parameter;

/** What part of a multimodal MoE model a parameter belongs to; stages train sets of roles. */
public enum ParameterRole {
  /** The vision encoder. */
  VISION,
  /** The vision-to-language projector. */
  PROJECTOR,
  /** Embeddings, attention, norms, dense FFNs, LM head: everything not listed below. */
  LANGUAGE,
  /** Expert 0 of each MoE layer: the dense FFN in Stage I, the trainable seed theta_1 after. */
  EXPERT_SEED,
  /** Experts 1..E-1 of each MoE layer: evolved (EvoMoE) or upcycled copies (MoE-LLaVA). */
  EXPERT_OTHER,
  /** The routers of the MoE layers. */
  ROUTER;

  /** The role of every parameter of {@code model}, by identity. */
  public static Map<Parameter, ParameterRole> classify(TunableModel model) {
    Map<Parameter, ParameterRole> roles = new IdentityHashMap<>();
    for (MoeLayer moe : model.moeLayers()) {
      for (Parameter p : moe.router().parameters()) {
        roles.put(p, ROUTER);
      }
      for (int e = 0; e < moe.experts().size(); e++) {
        SwiGluFfn ex = moe.experts().get(e);
        for (Parameter p : ex.parameters()) {
          roles.put(p, e == 0 ? EXPERT_SEED : EXPERT_OTHER);
        }
      }
    }
    for (Parameter p : model.visionParameters()) {
      roles.put(p, VISION);
    }
    for (Parameter p : model.projectorParameters()) {
      roles.put(p, PROJECTOR);
    }
    for (Parameter p : model.parameters()) {
      roles.putIfAbsent(p, LANGUAGE);
    }
    return roles;
  }
}
