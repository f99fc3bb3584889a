package org.evomoe.router;

import org.evomoe.nn.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Maps tokens to expert logits. Every router receives each token's modality tag; a router that
 * ignores it (the linear router) treats image and text tokens alike.
 */
public interface Router extends Layer {
  /** Model width d. */
  int inputDim();

  /** Number of experts E. */
  int numExperts();

  /**
   * The modalities this router accepts (its tokens' tags are checked against them). Routers that
   * do not say otherwise accept the default {@link Modalities#IMAGE_TEXT}.
   */
  default Modalities modalities() {
    return Modalities.IMAGE_TEXT;
  }

  /**
   * @param x tokens [T, d]
   * @param modalities T tags, each one of {@link #modalities()}
   * @return logits [T, E]
   */
  INDArray forward(INDArray x, Modality[] modalities);

  /**
   * @param dLogits [T, E]
   * @return dx [T, d]; accumulates the router's parameter gradients
   */
  INDArray backward(INDArray dLogits);
}
