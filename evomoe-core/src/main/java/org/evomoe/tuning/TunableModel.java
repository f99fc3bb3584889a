package org.evomoe.tuning;

import java.util.List;
import org.evomoe.moe.MoeLayer;
import org.evomoe.nn.Layer;
import org.evomoe.tensor.Parameter;

/**
 * A model the staged tuning can drive: its parameters, its MoE layers (in layer order) and the
 * parameters of its vision encoder and projector. Every other parameter counts as part of the
 * language model.
 */
public interface TunableModel extends Layer {
  /** The MoE layers, in layer order (may be empty for a fully dense model). */
  List<MoeLayer> moeLayers();

  /** Parameters of the vision encoder. */
  default List<Parameter> visionParameters() {
    return List.of();
  }

  /** Parameters of the vision-to-language projector. */
  default List<Parameter> projectorParameters() {
    return List.of();
  }
}
