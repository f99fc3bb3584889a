package org.evomoe.nn;

import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.tensor.Init;
import org.evomoe.tensor.Kernels;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.Products;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The LLaMA feed-forward block and the MoE expert: y = down(silu(gate(x)) * up(x)), no biases.
 * Three gemms forward, six backward (four when frozen), one fused Java pass for the activation.
 */
public final class SwiGluFfn implements Layer {
  private final int dModel;
  private final int dHidden;
  private final Parameter gate; // gate_proj.weight [dHidden, dModel]
  private final Parameter up; // up_proj.weight [dHidden, dModel]
  private final Parameter down; // down_proj.weight [dModel, dHidden]
  // Cached by forward for backward:
  private INDArray x; // [T, dModel]
  private INDArray g; // x gate^T [T, dHidden]
  private INDArray u; // x up^T [T, dHidden]
  private INDArray h; // silu(g) * u [T, dHidden]
  private INDArray s; // sigmoid(g) [T, dHidden], kept so that backward needs no exponential

  /**
   * A freshly initialised FFN. gate and up ~ N(0, 1/dModel), down ~ N(0, 1/dHidden).
   *
   * @param name prefix of parameter names, e.g. {@code model.layers.0.mlp}
   */
  public SwiGluFfn(String name, int dModel, int dHidden, DataType type, SplittableRandom rng) {
    this(
        name,
        Init.normal(rng, 1.0 / Math.sqrt(Shapes.positive(name + " dModel", dModel)), type,
            Shapes.positive(name + " dHidden", dHidden), dModel),
        Init.normal(rng, 1.0 / Math.sqrt(dModel), type, dHidden, dModel),
        Init.normal(rng, 1.0 / Math.sqrt(dHidden), type, dModel, dHidden));
  }

  /** Wraps the given tensors (not copied): gate, up [dHidden, dModel], down [dModel, dHidden]. */
  public SwiGluFfn(String name, INDArray gate, INDArray up, INDArray down) {
    if (gate.rank() != 2) {
      throw new IllegalArgumentException(
          name + ".gate_proj.weight must be [dHidden, dModel], got "
              + java.util.Arrays.toString(gate.shape()));
    }
    this.dHidden = (int) gate.size(0);
    this.dModel = (int) gate.size(1);
    Shapes.requireShape(name + ".up_proj.weight", up, dHidden, dModel);
    Shapes.requireShape(name + ".down_proj.weight", down, dModel, dHidden);
    this.gate = new Parameter(name + ".gate_proj.weight", gate, true);
    this.up = new Parameter(name + ".up_proj.weight", up, true);
    this.down = new Parameter(name + ".down_proj.weight", down, true);
  }

  /** A deep copy under another name prefix (sparse upcycling). */
  public SwiGluFfn copy(String name) {
    return new SwiGluFfn(name, gate.value().dup('c'), up.value().dup('c'), down.value().dup('c'));
  }

  public int dModel() {
    return dModel;
  }

  public int dHidden() {
    return dHidden;
  }

  public Parameter gate() {
    return gate;
  }

  public Parameter up() {
    return up;
  }

  public Parameter down() {
    return down;
  }

  /**
   * The arrays one forward over T rows writes; {@link #forward(INDArray, ForwardArrays)} keeps g,
   * u, h and s for the backward pass.
   *
   * @param g x gate^T [T, dHidden]
   * @param u x up^T [T, dHidden]
   * @param h silu(g) * u [T, dHidden]
   * @param s sigmoid(g) [T, dHidden]
   * @param y the output [T, dModel]
   */
  public record ForwardArrays(INDArray g, INDArray u, INDArray h, INDArray s, INDArray y) {}

  /**
   * The arrays one backward over T rows writes.
   *
   * @param dx the input gradient [T, dModel]
   * @param dh the gradient of h [T, dHidden]
   * @param dg the gradient of g [T, dHidden]
   * @param du the gradient of u [T, dHidden]
   */
  public record BackwardArrays(INDArray dx, INDArray dh, INDArray dg, INDArray du) {}

  /**
   * Allocates the arrays of a forward over {@code t} rows on the calling thread (in its open
   * workspace, if any: ND4J places an array in the workspace of the thread that creates it). A
   * caller that runs {@link #forward(INDArray, ForwardArrays)} on another thread allocates here
   * first, so that the arrays live as long as the caller's workspace.
   */
  public ForwardArrays allocateForward(long t, DataType type) {
    return new ForwardArrays(
        Nd4j.createUninitialized(type, t, dHidden),
        Nd4j.createUninitialized(type, t, dHidden),
        Nd4j.createUninitialized(type, t, dHidden),
        Nd4j.createUninitialized(type, t, dHidden),
        Nd4j.createUninitialized(type, t, dModel));
  }

  /** Allocates the arrays of a backward over {@code t} rows on the calling thread (see {@link #allocateForward}). */
  public BackwardArrays allocateBackward(long t, DataType type) {
    return new BackwardArrays(
        Nd4j.createUninitialized(type, t, dModel),
        Nd4j.createUninitialized(type, t, dHidden),
        Nd4j.createUninitialized(type, t, dHidden),
        Nd4j.createUninitialized(type, t, dHidden));
  }

  /** x [T, dModel] -> y [T, dModel]. T may be 0. */
  public INDArray forward(INDArray x) {
    Shapes.requireMatrix(gate.name() + " input", x, dModel);
    return forward(x, allocateForward(x.size(0), x.dataType()));
  }

  /**
   * x [T, dModel] -> y [T, dModel] written into {@code a.y()}, with the intermediate values in
   * {@code a}'s other arrays (kept for backward). T may be 0.
   *
   * @param a arrays from {@link #allocateForward} for T rows and x's data type
   */
  public INDArray forward(INDArray x, ForwardArrays a) {
    Shapes.requireMatrix(gate.name() + " input", x, dModel);
    long t = x.size(0);
    Shapes.requireShape(gate.name() + " forward array g", a.g(), t, dHidden);
    Shapes.requireShape(gate.name() + " forward array y", a.y(), t, dModel);
    this.x = x;
    g = a.g();
    u = a.u();
    h = a.h();
    s = a.s();
    INDArray y = a.y();
    if (t == 0) {
      return y;
    }
    Products.gemm(x, gate.value(), g, false, true, 1.0, 0.0);
    Products.gemm(x, up.value(), u, false, true, 1.0, 0.0);
    Kernels.siluMul(g, u, h, s);
    Products.gemm(h, down.value(), y, false, true, 1.0, 0.0);
    return y;
  }

  /** dy [T, dModel] -> dx [T, dModel]; accumulates the gradients of trainable weights. */
  public INDArray backward(INDArray dy) {
    Shapes.requireForward(gate.name(), x);
    return backward(dy, allocateBackward(x.size(0), dy.dataType()));
  }

  /**
   * dy [T, dModel] -> dx [T, dModel] written into {@code a.dx()}; accumulates the gradients of
   * trainable weights.
   *
   * @param a arrays from {@link #allocateBackward} for the forward's T rows and dy's data type
   */
  public INDArray backward(INDArray dy, BackwardArrays a) {
    Shapes.requireForward(gate.name(), x);
    long t = x.size(0);
    Shapes.requireShape(gate.name() + " output gradient", dy, t, dModel);
    Shapes.requireShape(gate.name() + " backward array dx", a.dx(), t, dModel);
    Shapes.requireShape(gate.name() + " backward array dh", a.dh(), t, dHidden);
    INDArray dx = a.dx();
    if (t == 0) {
      return dx;
    }
    if (down.trainable()) {
      Products.gemm(dy, h, down.grad(), true, false, 1.0, 1.0); // [dModel, T] x [T, dHidden]
    }
    INDArray dh = a.dh();
    Products.gemm(dy, down.value(), dh, false, false, 1.0, 0.0); // [T, dModel] x [dModel, dHidden]
    INDArray dg = a.dg();
    INDArray du = a.du();
    Kernels.siluMulBackward(g, u, s, dh, dg, du);
    if (gate.trainable()) {
      Products.gemm(dg, x, gate.grad(), true, false, 1.0, 1.0);
    }
    if (up.trainable()) {
      Products.gemm(du, x, up.grad(), true, false, 1.0, 1.0);
    }
    Products.gemm(dg, gate.value(), dx, false, false, 1.0, 0.0);
    Products.gemm(du, up.value(), dx, false, false, 1.0, 1.0);
    return dx;
  }

  @Override
  public List<Parameter> parameters() {
    return List.of(gate, up, down);
  }
}
