package org.evomoe.nn;

import java.util.List;
import org.evomoe.tensor.Parameter;

/**
 * Anything that owns parameters. Layers follow one convention (llm.c style): {@code forward}
 * caches what its backward needs; {@code backward(dOut)} accumulates the gradients of trainable
 * parameters and returns the gradient of the input. One backward per forward.
 */
public interface Layer {
  /** All parameters, in a stable order, with their stable names. */
  List<Parameter> parameters();

  /** Sets the trainable flag of every parameter. */
  default void setTrainable(boolean trainable) {
    for (Parameter p : parameters()) {
      p.setTrainable(trainable);
    }
  }

  /** Zeroes every gradient buffer. */
  default void zeroGrad() {
    for (Parameter p : parameters()) {
      p.zeroGrad();
    }
  }
}
