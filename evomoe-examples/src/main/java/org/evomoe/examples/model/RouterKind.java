package org.evomoe.examples.model;

/**
 * The router a {@link ModelConfig} names for its MoE layers. Other routers (for example the
 * modality-aware ones) plug in through a {@link RouterFactory} passed to {@link
 * DecoderModel#upcycle}; a new constant here maps a configuration name to such a factory.
 */
public enum RouterKind {
  /** {@link org.evomoe.router.LinearRouter}: logits = x W^T, one W for every modality. */
  LINEAR,
  /** {@link org.evomoe.router.ModalityLinearRouter}: one W per modality (the paper's ablation). */
  MODALITY_LINEAR,
  /** {@link org.evomoe.router.DynamicTokenRouter}: EvoMoE's DTR with its default sizes. */
  DTR;

  /** The factory that builds routers of this kind. */
  public RouterFactory factory() {
    return switch (this) {
      case LINEAR -> RouterFactory.linear();
      case MODALITY_LINEAR -> RouterFactory.modalityLinear();
      case DTR -> RouterFactory.dtr();
    };
  }
}
