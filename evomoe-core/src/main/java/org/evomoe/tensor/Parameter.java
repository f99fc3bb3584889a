package org.evomoe.tensor;

import java.util.Objects;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A named trainable tensor: its value, its gradient buffer and a trainable flag.
 *
 * <p>The value and the gradient live outside every ND4J workspace, so they survive the per-step
 * workspaces of training loops. A frozen parameter has no gradient buffer at all: {@link #grad()}
 * throws, and layers skip computing its gradient. The name is stable (it is the checkpoint key),
 * for example {@code model.layers.0.mlp.experts.1.gate_proj.weight}.
 */
public final class Parameter {
  private final String name;
  private final INDArray value; // any shape, c-order, detached
  private INDArray grad; // same shape as value; null while frozen or not yet used
  private boolean trainable;

  /**
   * @param name stable name, non-empty
   * @param value the tensor; it is used as is (not copied) and must be c-ordered and not a view
   * @param trainable whether optimisers may update it and layers compute its gradient
   */
  public Parameter(String name, INDArray value, boolean trainable) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("parameter name must be non-empty");
    }
    Objects.requireNonNull(value, "value of parameter " + name);
    if (value.ordering() != 'c' || value.isView()) {
      throw new IllegalArgumentException(
          "parameter " + name + " must be a c-ordered array that is not a view");
    }
    this.name = name;
    this.value = value;
    this.trainable = trainable;
  }

  public String name() {
    return name;
  }

  /** The tensor itself (not a copy). Optimisers update it in place. */
  public INDArray value() {
    return value;
  }

  public boolean trainable() {
    return trainable;
  }

  /** Freezing releases the gradient buffer; unfreezing allocates it lazily on first use. */
  public void setTrainable(boolean trainable) {
    this.trainable = trainable;
    if (!trainable && grad != null) {
      grad.close();
      grad = null;
    }
  }

  /** True when a gradient buffer exists (the parameter is trainable and was touched). */
  public boolean hasGrad() {
    return grad != null;
  }

  /**
   * The gradient buffer, allocated (zeros, outside any workspace) on first use.
   *
   * @throws IllegalStateException if the parameter is frozen
   */
  public INDArray grad() {
    if (!trainable) {
      throw new IllegalStateException("parameter " + name + " is frozen and has no gradient");
    }
    if (grad == null) {
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        grad = Nd4j.zeros(value.dataType(), value.shape());
      }
    }
    return grad;
  }

  /** Adds {@code g} to the gradient when trainable; does nothing when frozen. */
  public void accumulate(INDArray g) {
    if (trainable) {
      grad().addi(g);
    }
  }

  /** Zeroes the gradient buffer if there is one. */
  public void zeroGrad() {
    if (grad != null) {
      grad.assign(0);
    }
  }

  /** Number of scalar elements. */
  public long length() {
    return value.length();
  }

  @Override
  public String toString() {
    return name + java.util.Arrays.toString(value.shape()) + (trainable ? "" : " (frozen)");
  }
}
