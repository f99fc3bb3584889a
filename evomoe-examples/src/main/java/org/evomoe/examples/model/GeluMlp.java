package org.evomoe.examples.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.nn.Layer;
import org.evomoe.nn.Linear;
import org.evomoe.nn.Shapes;
import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.Parallel;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Two linear layers with biases and a GELU between: {@code y = W2 gelu(W1 x + b1) + b2}. The
 * LLaVA projector and the vision encoder's MLP.
 *
 * <p>GELU is the tanh approximation {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}
 * (PyTorch {@code gelu(approximate="tanh")}, Hugging Face {@code gelu_pytorch_tanh}); it differs
 * from the erf form LLaVA's projector uses by less than 5e-4 everywhere, and its derivative is
 * exact in closed form. Activation and its derivative are one Java pass each.
 */
public final class GeluMlp implements Layer {
  private static final double C = Math.sqrt(2.0 / Math.PI);
  private static final double A = 0.044715;

  private final Linear fc1;
  private final Linear fc2;
  private INDArray pre; // cached fc1 output [T, hidden]

  /**
   * @param firstName prefix of the first layer, e.g. {@code multi_modal_projector.linear_1}
   * @param secondName prefix of the second layer, e.g. {@code multi_modal_projector.linear_2}
   * @param in input width
   * @param hidden width after the first layer
   * @param out output width
   * @param rng weights ~ N(0, 1/fan_in), biases zero
   */
  public GeluMlp(String firstName, String secondName, int in, int hidden, int out, DataType type,
      SplittableRandom rng) {
    this.fc1 = new Linear(firstName, in, hidden, true, type, rng);
    this.fc2 = new Linear(secondName, hidden, out, true, type, rng);
  }

  public Linear first() {
    return fc1;
  }

  public Linear second() {
    return fc2;
  }

  /** x [T, in] -> y [T, out]. */
  public INDArray forward(INDArray x) {
    INDArray h = fc1.forward(x);
    this.pre = h;
    INDArray a = Nd4j.createUninitialized(h.dataType(), h.shape());
    map(h, null, a);
    return fc2.forward(a);
  }

  /** dy [T, out] -> dx [T, in]; accumulates both layers' gradients. */
  public INDArray backward(INDArray dy) {
    Shapes.requireForward(fc1.weight().name(), pre);
    INDArray da = fc2.backward(dy);
    INDArray dh = Nd4j.createUninitialized(da.dataType(), da.shape());
    map(pre, da, dh);
    return fc1.backward(dh);
  }

  /** gelu(x) in the tanh approximation. */
  public static double gelu(double x) {
    return 0.5 * x * (1 + Math.tanh(C * (x + A * x * x * x)));
  }

  /** d gelu(x) / dx of the tanh approximation. */
  public static double geluDerivative(double x) {
    double t = Math.tanh(C * (x + A * x * x * x));
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * C * (1 + 3 * A * x * x);
  }

  /** out = gelu(x) when grad is null, else out = grad * gelu'(x). */
  private static void map(INDArray x, INDArray grad, INDArray out) {
    INDArray gc = grad == null ? null : (grad.isView() ? grad.dup('c') : grad);
    int n = Math.toIntExact(x.length());
    Buffers bx = Buffers.of(x);
    Buffers bg = gc == null ? null : Buffers.of(gc);
    Buffers bo = Buffers.of(out);
    int chunk = 4096;
    Parallel.forRange((n + chunk - 1) / chunk, 4, (c0, c1) -> {
      double[] v = new double[chunk];
      double[] g = new double[chunk];
      for (int c = c0; c < c1; c++) {
        int pos = c * chunk;
        int len = Math.min(chunk, n - pos);
        bx.read(pos, v, 0, len);
        if (bg == null) {
          for (int i = 0; i < len; i++) {
            v[i] = gelu(v[i]);
          }
        } else {
          bg.read(pos, g, 0, len);
          for (int i = 0; i < len; i++) {
            v[i] = g[i] * geluDerivative(v[i]);
          }
        }
        bo.write(pos, v, 0, len);
      }
    });
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>(fc1.parameters());
    ps.addAll(fc2.parameters());
    return ps;
  }
}
