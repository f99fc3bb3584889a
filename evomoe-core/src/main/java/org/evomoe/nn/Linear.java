package org.evomoe.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.tensor.Init;
import org.evomoe.tensor.Kernels;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.Products;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** y = x W^T + b. Weight stored [out, in] as in PyTorch; bias optional. */
public final class Linear implements Layer {
  private final int in;
  private final int out;
  private final Parameter weight; // [out, in]
  private final Parameter bias; // [out] or null
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
    this.x = x;
    INDArray y = Nd4j.createUninitialized(x.dataType(), x.size(0), out);
    Products.gemm(x, weight.value(), y, false, true, 1.0, 0.0);
    if (bias != null) {
      y.addiRowVector(bias.value());
    }
    return y;
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
