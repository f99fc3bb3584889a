package org.evomoe.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.FrozenDerived;
import org.evomoe.tensor.FrozenWeights;
import org.evomoe.tensor.Init;
import org.evomoe.tensor.Kernels;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.Products;
import org.evomoe.tensor.TransposedWeights;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * y = x W^T + b. Weight stored [out, in] as in PyTorch; bias optional.
 *
 * <p>Inside a {@link FrozenWeights} scope, a forward of at most {@link
 * TransposedWeights#MAX_ROWS} rows runs in plain Java on a transposed copy of W (and b) made once
 * per scope ({@link TransposedWeights}); every other forward is one ND4J gemm. The backward is the
 * same either way.
 */
public final class Linear implements Layer {
  private final int in;
  private final int out;
  private final Parameter weight; // [out, in]
  private final Parameter bias; // [out] or null
  private final FrozenDerived<TransposedWeights> frozen = new FrozenDerived<>();
  private INDArray x; // cached input [T, in]

  /**
   * @param name prefix of the parameter names ({@code name.weight}, {@code name.bias})
   * @param in input features
   * @param out output features
   * @param bias whether to add a bias
   * @param rng initialisation source: weights ~ N(0, 1/in), bias zero
   */
  public Linear(String name, int in, int out, boolean bias, DataType type, SplittableRandom rng) {
    this(
        name,
        Init.normal(rng, 1.0 / Math.sqrt(Shapes.positive(name + " in", in)), type,
            Shapes.positive(name + " out", out), in),
        bias ? Init.zeros(type, out) : null);
  }

  /** Wraps existing tensors: weight [out, in], bias [out] or null. */
  public Linear(String name, INDArray weight, INDArray bias) {
    if (weight.rank() != 2) {
      throw new IllegalArgumentException(
          name + ".weight must be rank 2 [out, in], got " + java.util.Arrays.toString(weight.shape()));
    }
    this.out = (int) weight.size(0);
    this.in = (int) weight.size(1);
    this.weight = new Parameter(name + ".weight", weight, true);
    if (bias != null) {
      Shapes.requireShape(name + ".bias", bias, out);
      this.bias = new Parameter(name + ".bias", bias, true);
    } else {
      this.bias = null;
    }
  }

  public int in() {
    return in;
  }

  public int out() {
    return out;
  }

  public Parameter weight() {
    return weight;
  }

  /** The bias parameter, or null. */
  public Parameter bias() {
    return bias;
  }

  /** x [T, in] -> y [T, out]. */
  public INDArray forward(INDArray x) {
    Shapes.requireMatrix(weight.name() + " input", x, in);
    return forward(x, Nd4j.createUninitialized(x.dataType(), x.size(0), out));
  }

  /**
   * As {@link #forward(INDArray)}, written into {@code y} (dense [T, out], x's data type), which
   * it returns: for a caller that reuses its output arrays (decoding).
   */
  public INDArray forward(INDArray x, INDArray y) {
    Shapes.requireMatrix(weight.name() + " input", x, in);
    Shapes.requireOutput(weight.name() + " output", y, x, x.size(0), out);
    this.x = x;
    if (FrozenWeights.currentId() == 0) {
      frozen.drop();
    } else if (x.size(0) <= TransposedWeights.MAX_ROWS && TransposedWeights.supports(x.dataType())
        && x.dataType() == weight.value().dataType()) {
      INDArray xd = Buffers.isDense(x) ? x : x.dup('c');
      transposed().multiply(xd, y);
      return y;
    }
    Products.gemm(x, weight.value(), y, false, true, 1.0, 0.0);
    if (bias != null) {
      y.addiRowVector(bias.value());
    }
    return y;
  }

  /** The transposed copy of W (and b) for the open {@link FrozenWeights} scope. */
  private TransposedWeights transposed() {
    return frozen.get(() -> TransposedWeights.pack(new INDArray[] {weight.value()},
        bias == null ? null : new INDArray[] {bias.value()}));
  }

  /** The transposed copy kept from the last scope, or null (tests). */
  TransposedWeights keptTransposed() {
    return frozen.kept();
  }

  /** dy [T, out] -> dx [T, in]; accumulates dW = dy^T x and db = sum_t dy. */
  public INDArray backward(INDArray dy) {
    Shapes.requireForward(weight.name(), x);
    Shapes.requireShape(weight.name() + " output gradient", dy, x.size(0), out);
    if (weight.trainable()) {
      Products.gemm(dy, x, weight.grad(), true, false, 1.0, 1.0);
    }
    if (bias != null && bias.trainable()) {
      Kernels.addColumnSums(dy, bias.grad());
    }
    INDArray dx = Nd4j.createUninitialized(dy.dataType(), dy.size(0), in);
    Products.gemm(dy, weight.value(), dx, false, false, 1.0, 0.0);
    return dx;
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>(2);
    ps.add(weight);
    if (bias != null) {
      ps.add(bias);
    }
    return ps;
  }
}
