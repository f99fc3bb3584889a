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
 *
 * <p>{@link #bind} moves a parameter onto external storage, such as views into a framework's
 * flattened parameter and gradient arrays (the DeepLearning4J adapter does this), so that layers
 * read and write the framework's memory directly.
 */
public final class Parameter {
  private final String name;
  private INDArray value; // any shape, c-order, detached (or a dense view after bind)
  private INDArray grad; // same shape as value; null while frozen or not yet used
  private boolean bound; // value and grad are external storage (see bind)
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

  /**
   * Freezing releases the gradient buffer; unfreezing allocates it lazily on first use. A {@linkplain
   * #bind bound} gradient buffer is kept (it is not this parameter's to release), only hidden while
   * frozen.
   */
  public void setTrainable(boolean trainable) {
    this.trainable = trainable;
    if (!trainable && grad != null && !bound) {
      grad.close();
      grad = null;
    }
  }

  /**
   * True when a gradient buffer exists (the parameter is trainable and was touched, or is trainable
   * and bound).
   */
  public boolean hasGrad() {
    return grad != null && trainable;
  }

  /** Whether {@link #bind} moved this parameter onto external storage. */
  public boolean isBound() {
    return bound;
  }

  /**
   * Moves this parameter onto external storage: from now on {@link #value()} is {@code value} and
   * the gradient buffer is {@code grad}. Nothing is copied ({@code value} keeps its content; copy
   * first with {@code value.assign(old)} to keep the current weights). Both may be views (for
   * example into one flat array holding every parameter of a network) but must be laid out densely
   * in c order, with this parameter's shape and data type, and must not overlap each other. The
   * gradient buffer is not zeroed and, being external, is never released by {@link
   * #setTrainable(boolean)}.
   *
   * @param value the new value storage, shape {@code value().shape()}
   * @param grad the new gradient storage, same shape
   * @throws IllegalArgumentException on a shape, data type or layout mismatch, naming the parameter
   * @throws IllegalStateException inside a {@link FrozenWeights} scope
   */
  public void bind(INDArray value, INDArray grad) {
    FrozenWeights.requireUnfrozen("binding parameter " + name);
    Objects.requireNonNull(value, "bound value of parameter " + name);
    Objects.requireNonNull(grad, "bound gradient of parameter " + name);
    requireLike(value, "value");
    requireLike(grad, "gradient");
    if (value == grad
        || (value.data().address() == grad.data().address()
            && value.offset() < grad.offset() + grad.length()
            && grad.offset() < value.offset() + value.length())) {
      throw new IllegalArgumentException(
          "parameter " + name + ": bound value and gradient storage overlap");
    }
    if (this.grad != null && !bound) {
      this.grad.close();
    }
    this.value = value;
    this.grad = grad;
    this.bound = true;
  }

  private void requireLike(INDArray a, String what) {
    if (!java.util.Arrays.equals(a.shape(), this.value.shape())
        || a.dataType() != this.value.dataType()) {
      throw new IllegalArgumentException(
          "parameter " + name + ": bound " + what + " is " + java.util.Arrays.toString(a.shape())
              + " " + a.dataType() + ", expected " + java.util.Arrays.toString(this.value.shape())
              + " " + this.value.dataType());
    }
    try {
      Buffers.requireDense(a);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "parameter " + name + ": bound " + what + " must be dense c-ordered: " + e.getMessage(), e);
    }
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
