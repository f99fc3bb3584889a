package org.evomoe.nn;

import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.FrozenDerived;
import org.evomoe.tensor.FrozenWeights;
import org.evomoe.tensor.Init;
import org.evomoe.tensor.Kernels;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.Products;
import org.evomoe.tensor.ScopedArrays;
import org.evomoe.tensor.TransposedWeights;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The LLaMA feed-forward block and the MoE expert: y = down(silu(gate(x)) * up(x)), no biases.
 * Three gemms forward, six backward (four when frozen), one fused Java pass for the activation.
 *
 * <p>Inside a {@link FrozenWeights} scope, a forward of at most {@link
 * TransposedWeights#MAX_ROWS} rows runs its products in plain Java instead ({@link
 * TransposedWeights}): gate and up as one product against one transposed copy of both weights
 * (writing g and u), down against a transposed copy of its own, both copies made once per scope.
 * Every other forward, and every backward, is unchanged.
 */
public final class SwiGluFfn implements Layer {
  private final int dModel;
  private final int dHidden;
  private final Parameter gate; // gate_proj.weight [dHidden, dModel]
  private final Parameter up; // up_proj.weight [dHidden, dModel]
  private final Parameter down; // down_proj.weight [dModel, dHidden]
  private final FrozenDerived<TransposedWeights> frozenGateUp = new FrozenDerived<>();
  private final FrozenDerived<TransposedWeights> frozenDown = new FrozenDerived<>();
  private final ScopedArrays scoped = new ScopedArrays(); // reusableForward's arrays
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

  /**
   * The arrays of a forward over {@code t} rows, for a caller that holds none of them (the output
   * included) beyond this FFN's next forward: inside a {@link FrozenWeights} scope and for 1 to
   * {@link TransposedWeights#MAX_ROWS} FLOAT or DOUBLE rows (decoding) the arrays this FFN keeps
   * for the scope, which its next such forward of t rows reuses ({@link ScopedArrays}); otherwise
   * new ones, as {@link #allocateForward}.
   */
  public ForwardArrays reusableForward(long t, DataType type) {
    if (!reusable(t, type)) {
      return allocateForward(t, type);
    }
    return new ForwardArrays(scoped.get(0, type, t, dHidden), scoped.get(1, type, t, dHidden),
        scoped.get(2, type, t, dHidden), scoped.get(3, type, t, dHidden),
        scoped.get(4, type, t, dModel));
  }

  private static boolean reusable(long t, DataType type) {
    return ScopedArrays.keeps(t, type);
  }

  /** Allocates the arrays of a backward over {@code t} rows on the calling thread (see {@link #allocateForward}). */
  public BackwardArrays allocateBackward(long t, DataType type) {
    return new BackwardArrays(
        Nd4j.createUninitialized(type, t, dModel),
        Nd4j.createUninitialized(type, t, dHidden),
        Nd4j.createUninitialized(type, t, dHidden),
        Nd4j.createUninitialized(type, t, dHidden));
  }

  /**
   * x [T, dModel] -> y [T, dModel], a new array. T may be 0. Inside a {@link FrozenWeights} scope
   * the intermediate values of a few rows go to arrays kept for the scope ({@link
   * #reusableForward}).
   */
  public INDArray forward(INDArray x) {
    Shapes.requireMatrix(gate.name() + " input", x, dModel);
    long t = x.size(0);
    DataType type = x.dataType();
    if (reusable(t, type)) {
      ForwardArrays kept = reusableForward(t, type);
      return forward(x, new ForwardArrays(kept.g(), kept.u(), kept.h(), kept.s(),
          Nd4j.createUninitialized(type, t, dModel)));
    }
    return forward(x, allocateForward(t, type));
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
    if (FrozenWeights.currentId() == 0) {
      frozenGateUp.drop();
      frozenDown.drop();
    } else if (t <= TransposedWeights.MAX_ROWS && TransposedWeights.supports(x.dataType())
        && x.dataType() == gate.value().dataType()) {
      INDArray xd = Buffers.isDense(x) ? x : x.dup('c');
      frozenGateUp.get(() -> TransposedWeights.pack(
          new INDArray[] {gate.value(), up.value()}, null)).multiply(xd, g, u);
      Kernels.siluMul(g, u, h, s);
      frozenDown.get(() -> TransposedWeights.pack(new INDArray[] {down.value()}, null))
          .multiply(h, y);
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

  /** The transposed copies kept from the last scope, {gate and up, down} (entries may be null; tests). */
  TransposedWeights[] keptTransposed() {
    return new TransposedWeights[] {frozenGateUp.kept(), frozenDown.kept()};
  }

  @Override
  public List<Parameter> parameters() {
    return List.of(gate, up, down);
  }
}
