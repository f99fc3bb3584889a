package org.evomoe.optim;

import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The AdamW state of one parameter, as exported for a checkpoint and restored from one.
 *
 * <p>Instances handed out by {@link AdamW#exportState()} own detached copies; {@link
 * AdamW#restoreState(java.util.Map)} copies them in again, so neither side aliases the other.
 *
 * @param step number of optimiser steps this parameter has taken, {@code >= 1} (the bias
 *     correction uses it)
 * @param m first-moment average, same shape and data type as the parameter
 * @param v second-moment average (of squared gradients), same shape and data type as {@code m}
 */
public record AdamWParameterState(long step, INDArray m, INDArray v) {

  public AdamWParameterState {
    if (step < 1) {
      throw new IllegalArgumentException("AdamW state step must be >= 1, got " + step);
    }
    Objects.requireNonNull(m, "AdamW state m");
    Objects.requireNonNull(v, "AdamW state v");
    if (!Arrays.equals(m.shape(), v.shape()) || m.dataType() != v.dataType()) {
      throw new IllegalArgumentException(
          "AdamW state m "
              + Arrays.toString(m.shape())
              + " "
              + m.dataType()
              + " and v "
              + Arrays.toString(v.shape())
              + " "
              + v.dataType()
              + " must have the same shape and data type");
    }
  }
}
