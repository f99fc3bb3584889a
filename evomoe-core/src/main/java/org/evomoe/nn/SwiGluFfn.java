package org.evomoe.nn;

import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.tensor.Init;
import org.evomoe.tensor.Kernels;
import org.evomoe.tensor.Parameter;
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

  /** x [T, dModel] -> y [T, dModel]. T may be 0. */
  public INDArray forward(INDArray x) {
    Shapes.requireMatrix(gate.name() + " input", x, dModel);
    long t = x.size(0);
    DataType type = x.dataType();
    this.x = x;
    g = Nd4j.createUninitialized(type, t, dHidden);
    u = Nd4j.createUninitialized(type, t, dHidden);
    h = Nd4j.createUninitialized(type, t, dHidden);
    s = Nd4j.createUninitialized(type, t, dHidden);
    INDArray y = Nd4j.createUninitialized(type, t, dModel);
    if (t == 0) {
      return y;
    }
    Nd4j.gemm(x, gate.value(), g, false, true, 1.0, 0.0);
    Nd4j.gemm(x, up.value(), u, false, true, 1.0, 0.0);
    Kernels.siluMul(g, u, h, s);
    Nd4j.gemm(h, down.value(), y, false, true, 1.0, 0.0);
    return y;
  }

  /** dy [T, dModel] -> dx [T, dModel]; accumulates the gradients of trainable weights. */
  public INDArray backward(INDArray dy) {
    Shapes.requireForward(gate.name(), x);
    long t = x.size(0);
    Shapes.requireShape(gate.name() + " output gradient", dy, t, dModel);
    DataType type = dy.dataType();
    INDArray dx = Nd4j.createUninitialized(type, t, dModel);
    if (t == 0) {
      return dx;
    }
    if (down.trainable()) {
      Nd4j.gemm(dy, h, down.grad(), true, false, 1.0, 1.0); // [dModel, T] x [T, dHidden]
    }
    INDArray dh = Nd4j.createUninitialized(type, t, dHidden);
    Nd4j.gemm(dy, down.value(), dh, false, false, 1.0, 0.0); // [T, dModel] x [dModel, dHidden]
    INDArray dg = Nd4j.createUninitialized(type, t, dHidden);
    INDArray du = Nd4j.createUninitialized(type, t, dHidden);
    Kernels.siluMulBackward(g, u, s, dh, dg, du);
    if (gate.trainable()) {
      Nd4j.gemm(dg, x, gate.grad(), true, false, 1.0, 1.0);
    }
    if (up.trainable()) {
      Nd4j.gemm(du, x, up.grad(), true, false, 1.0, 1.0);
    }
    Nd4j.gemm(dg, gate.value(), dx, false, false, 1.0, 0.0);
    Nd4j.gemm(du, up.value(), dx, false, false, 1.0, 1.0);
    return dx;
  }

  @Override
  public List<Parameter> parameters() {
    return List.of(gate, up, down);
  }
}
