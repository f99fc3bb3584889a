package org.evomoe.examples.checkpoint;

/**
 * What the MoE layers of a saved decoder are doing, the part of the model's state that is not
 * in its weights. Written to config.json as {@code moe_mode} in lower case.
 */
public enum MoeMode {
  /**
   * Every FFN is dense ({@code model.layers.i.mlp.*}), as after {@code DecoderModel.createDense}
   * or a LLaMA import: {@code moe_layers} is only the plan for {@code DecoderModel.upcycle}.
   */
  DENSE,
  /** The {@code moe_layers} hold MoEs that route every token to its top-k experts. */
  ROUTED,
  /**
   * The {@code moe_layers} hold MoEs forced to expert 0 with gate 1, the router bypassed: the seed
   * expert runs as the dense FFN (EvoMoE Stages I and II, {@code MoeLayer.forceExpert(0)}).
   */
  SEED_ONLY;

  /** The config.json spelling, e.g. {@code seed_only}. */
  public String jsonName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
