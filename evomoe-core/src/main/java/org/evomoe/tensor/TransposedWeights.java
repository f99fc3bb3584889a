package org.evomoe.tensor;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Products {@code y = x W^T (+ b)} of a few rows in plain Java, against a transposed copy of one
 * or more weights stacked along their output axis: weights {@code [n_1, K], [n_2, K], ...} become
 * K Java arrays of {@code N = n_1 + n_2 + ...} values (row c holds column c of every weight), so
 * the product is K scaled additions of a weight row into N accumulators per input row, a loop the
 * JIT vectorises. Meant for decoding, where a forward has one to a few rows and an ND4J gemm costs
 * more in dispatch than in arithmetic (docs/performance.md, "Decoding, fourth round"); the copy is
 * made once and reused for as long as the weights are known not to change ({@link FrozenWeights},
 * {@link FrozenDerived}).
 *
 * <p>Arithmetic: each output is {@code sum_c x[c] W[c]} accumulated in the weights' precision in
 * the order c = 0, 1, ..., K-1 (each product and each addition rounded, no fused multiply-add),
 * then the bias added: within a float's rounding of a BLAS product, not bit for bit equal to it.
 * FLOAT and DOUBLE weights are supported. Each {@link #multiply} counts as one product in {@link
 * Products#count()}.
 */
public final class TransposedWeights {
  /**
   * Input rows up to which {@link #multiply} is meant to beat an ND4J gemm (measured at d = 256,
   * N = 128 to 2,000; docs/performance.md, "Decoding, fourth round").
   */
  public static final int MAX_ROWS = 8;

  private static final ThreadLocal<float[][]> FLOAT_ACC =
      ThreadLocal.withInitial(() -> new float[2][0]);
  private static final ThreadLocal<double[][]> DOUBLE_ACC =
      ThreadLocal.withInitial(() -> new double[2][0]);

  private final DataType type;
  private final int k;
  private final int n;
  private final int[] widths; // n_i
  private final float[][] f; // [K][N] (FLOAT), else null
  private final double[][] d; // [K][N] (DOUBLE), else null
  private final float[] fBias; // [N] or null
  private final double[] dBias; // [N] or null

  private TransposedWeights(DataType type, int k, int[] widths, boolean bias) {
    this.type = type;
    this.k = k;
    this.widths = widths;
    int total = 0;
    for (int w : widths) {
      total += w;
    }
    this.n = total;
    boolean isFloat = type == DataType.FLOAT;
    this.f = isFloat ? new float[k][n] : null;
    this.d = isFloat ? null : new double[k][n];
    this.fBias = isFloat && bias ? new float[n] : null;
    this.dBias = !isFloat && bias ? new double[n] : null;
  }

  /** Whether weights of this data type can be packed. */
  public static boolean supports(DataType type) {
    return Buffers.supports(type);
  }

  /**
   * Copies the weights, stacked along the output axis, into the transposed layout.
   *
   * @param weights {@code [n_i, K]} each, dense c-order, all of one data type (FLOAT or DOUBLE)
   * @param biases null for no bias, else one {@code [n_i]} vector per weight (dense)
   */
  public static TransposedWeights pack(INDArray[] weights, INDArray[] biases) {
    if (weights.length == 0) {
      throw new IllegalArgumentException("at least one weight is needed");
    }
    if (biases != null && biases.length != weights.length) {
      throw new IllegalArgumentException(
          biases.length + " biases for " + weights.length + " weights");
    }
    DataType type = weights[0].dataType();
    if (!supports(type)) {
      throw new IllegalArgumentException("only FLOAT and DOUBLE weights are supported, got " + type);
    }
    int k = (int) weights[0].size(1);
    int[] widths = new int[weights.length];
    for (int i = 0; i < weights.length; i++) {
      INDArray w = weights[i];
      if (w.rank() != 2 || w.size(1) != k || w.dataType() != type) {
        throw new IllegalArgumentException("weight " + i + " must be [n, " + k + "] " + type
            + ", got " + Arrays.toString(w.shape()) + " " + w.dataType());
      }
      widths[i] = (int) w.size(0);
      if (biases != null && (biases[i].length() != widths[i] || biases[i].dataType() != type)) {
        throw new IllegalArgumentException("bias " + i + " must hold " + widths[i] + " " + type
            + " values, got " + Arrays.toString(biases[i].shape()) + " " + biases[i].dataType());
      }
    }
    TransposedWeights t = new TransposedWeights(type, k, widths, biases != null);
    int col = 0;
    double[] row = new double[k];
    double[] b = biases == null ? null : new double[Arrays.stream(widths).max().orElse(0)];
    for (int i = 0; i < weights.length; i++) {
      if (t.f != null) {
        // The weight in one read, then transposed a block of output rows at a time, so that each
        // write pass fills whole cache lines of the K rows.
        Buffers.requireDense(weights[i]);
        float[] wf = new float[widths[i] * k];
        weights[i].data().asNioFloat().get(Math.toIntExact(weights[i].offset()), wf, 0, wf.length);
        for (int o0 = 0; o0 < widths[i]; o0 += 16) {
          int o1 = Math.min(widths[i], o0 + 16);
          for (int c = 0; c < k; c++) {
            float[] dst = t.f[c];
            for (int o = o0; o < o1; o++) {
              dst[col + o] = wf[o * k + c];
            }
          }
        }
      } else {
        Buffers bw = Buffers.of(weights[i]);
        for (int o = 0; o < widths[i]; o++) {
          bw.read((long) o * k, row, 0, k);
          for (int c = 0; c < k; c++) {
            t.d[c][col + o] = row[c];
          }
        }
      }
      if (biases != null) {
        Buffers.of(biases[i]).read(0, b, 0, widths[i]);
        for (int o = 0; o < widths[i]; o++) {
          if (t.fBias != null) {
            t.fBias[col + o] = (float) b[o];
          } else {
            t.dBias[col + o] = b[o];
          }
        }
      }
      col += widths[i];
    }
    return t;
  }

  /**
   * The layout for {@code y = x M} with a matrix already stored as K rows of N: {@code m} [K, N]
   * (dense c-order, FLOAT or DOUBLE) is copied row by row, no bias.
   */
  public static TransposedWeights forRightProduct(INDArray m) {
    if (m.rank() != 2 || !supports(m.dataType())) {
      throw new IllegalArgumentException("need a [K, N] FLOAT or DOUBLE matrix, got "
          + Arrays.toString(m.shape()) + " " + m.dataType());
    }
    int k = (int) m.size(0);
    int n = (int) m.size(1);
    TransposedWeights t = new TransposedWeights(m.dataType(), k, new int[] {n}, false);
    Buffers bm = Buffers.of(m);
    double[] row = new double[n];
    for (int c = 0; c < k; c++) {
      bm.read((long) c * n, row, 0, n);
      for (int j = 0; j < n; j++) {
        if (t.f != null) {
          t.f[c][j] = (float) row[j];
        } else {
          t.d[c][j] = row[j];
        }
      }
    }
    return t;
  }

  /** Input width K. */
  public int in() {
    return k;
  }

  /** Output width N, the sum of the packed weights' output widths. */
  public int out() {
    return n;
  }

  public DataType dataType() {
    return type;
  }

  /**
   * x [M, K] -> x W^T (+ b), written either into one output {@code [M, N]} or into one output per
   * packed weight, {@code [M, n_i]} each (columns of weight i go to output i).
   *
   * @param x [M, K], dense c-order, the weights' data type
   * @param outs one {@code [M, N]} array or one {@code [M, n_i]} array per weight, dense c-order;
   *     overwritten
   */
  public void multiply(INDArray x, INDArray... outs) {
    if (x.rank() != 2 || x.size(1) != k || x.dataType() != type) {
      throw new IllegalArgumentException("input must be [M, " + k + "] " + type + ", got "
          + Arrays.toString(x.shape()) + " " + x.dataType());
    }
    int m = (int) x.size(0);
    boolean single = outs.length == 1;
    if (!single && outs.length != widths.length) {
      throw new IllegalArgumentException("one output or " + widths.length + " outputs, got "
          + outs.length);
    }
    for (int i = 0; i < outs.length; i++) {
      int w = single ? n : widths[i];
      if (outs[i].rank() != 2 || outs[i].size(0) != m || outs[i].size(1) != w
          || outs[i].dataType() != type) {
        throw new IllegalArgumentException("output " + i + " must be [" + m + ", " + w + "] "
            + type + ", got " + Arrays.toString(outs[i].shape()) + " " + outs[i].dataType());
      }
      Buffers.requireDense(outs[i]);
    }
    if (m == 0) {
      return;
    }
    Buffers.requireDense(x);
    Products.inJava(() -> {
      if (f != null) {
        multiplyFloat(x, m, outs, single);
      } else {
        multiplyDouble(x, m, outs, single);
      }
    });
  }

  private void multiplyFloat(INDArray x, int m, INDArray[] outs, boolean single) {
    float[] xs = Scratch.floats(0, m * k);
    x.data().asNioFloat().get(Math.toIntExact(x.offset()), xs, 0, m * k);
    float[][] acc = floatAcc(Math.min(m, 2));
    for (int r0 = 0; r0 < m; r0 += 2) {
      int rows = Math.min(2, m - r0);
      for (int r = 0; r < rows; r++) {
        Arrays.fill(acc[r], 0, n, 0f);
      }
      if (rows == 2) {
        rows2(xs, r0 * k, acc[0], acc[1]);
      } else {
        rows1(xs, r0 * k, acc[0]);
      }
      for (int r = 0; r < rows; r++) {
        float[] a = acc[r];
        if (fBias != null) {
          for (int j = 0; j < n; j++) {
            a[j] += fBias[j];
          }
        }
        int col = 0;
        for (int i = 0; i < outs.length; i++) {
          int w = single ? n : widths[i];
          FloatBuffer ob = outs[i].data().asNioFloat();
          ob.put(Math.toIntExact(outs[i].offset()) + (r0 + r) * w, a, col, w);
          col += w;
        }
      }
    }
  }

  // The kernels below add the terms of each output in the order c = 0, 1, ..., K-1; a pass over
  // several c writes y[j] + a0 w0[j] + a1 w1[j] + ..., which Java evaluates left to right, so the
  // roundings are those of one addition per c. The passes are as wide as C2 (JDK 17) still
  // vectorises: four c for one row, two c for two rows (docs/performance.md, "Decoding, fifth
  // round").

  private void rows1(float[] xs, int xo, float[] y) {
    int c = 0;
    for (; c + 3 < k; c += 4) {
      float a0 = xs[xo + c];
      float a1 = xs[xo + c + 1];
      float a2 = xs[xo + c + 2];
      float a3 = xs[xo + c + 3];
      float[] w0 = f[c];
      float[] w1 = f[c + 1];
      float[] w2 = f[c + 2];
      float[] w3 = f[c + 3];
      for (int j = 0; j < n; j++) {
        y[j] = y[j] + a0 * w0[j] + a1 * w1[j] + a2 * w2[j] + a3 * w3[j];
      }
    }
    for (; c < k; c++) {
      float a0 = xs[xo + c];
      float[] w = f[c];
      for (int j = 0; j < n; j++) {
        y[j] = y[j] + a0 * w[j];
      }
    }
  }

  private void rows2(float[] xs, int xo, float[] y0, float[] y1) {
    int c = 0;
    for (; c + 1 < k; c += 2) {
      float a0 = xs[xo + c];
      float a1 = xs[xo + c + 1];
      float b0 = xs[xo + k + c];
      float b1 = xs[xo + k + c + 1];
      float[] w0 = f[c];
      float[] w1 = f[c + 1];
      for (int j = 0; j < n; j++) {
        float v0 = w0[j];
        float v1 = w1[j];
        y0[j] = y0[j] + a0 * v0 + a1 * v1;
        y1[j] = y1[j] + b0 * v0 + b1 * v1;
      }
    }
    if (c < k) {
      float a0 = xs[xo + c];
      float b0 = xs[xo + k + c];
      float[] w = f[c];
      for (int j = 0; j < n; j++) {
        float v = w[j];
        y0[j] = y0[j] + a0 * v;
        y1[j] = y1[j] + b0 * v;
      }
    }
  }

  private void multiplyDouble(INDArray x, int m, INDArray[] outs, boolean single) {
    double[] xs = Scratch.doubles(0, m * k);
    x.data().asNioDouble().get(Math.toIntExact(x.offset()), xs, 0, m * k);
    double[][] acc = doubleAcc(Math.min(m, 2));
    for (int r0 = 0; r0 < m; r0 += 2) {
      int rows = Math.min(2, m - r0);
      for (int r = 0; r < rows; r++) {
        Arrays.fill(acc[r], 0, n, 0.0);
      }
      if (rows == 2) {
        rows2(xs, r0 * k, acc[0], acc[1]);
      } else {
        rows1(xs, r0 * k, acc[0]);
      }
      for (int r = 0; r < rows; r++) {
        double[] a = acc[r];
        if (dBias != null) {
          for (int j = 0; j < n; j++) {
            a[j] += dBias[j];
          }
        }
        int col = 0;
        for (int i = 0; i < outs.length; i++) {
          int w = single ? n : widths[i];
          DoubleBuffer ob = outs[i].data().asNioDouble();
          ob.put(Math.toIntExact(outs[i].offset()) + (r0 + r) * w, a, col, w);
          col += w;
        }
      }
    }
  }

  // The double kernels: the float ones above, in double (the same order of additions).

  private void rows1(double[] xs, int xo, double[] y) {
    int c = 0;
    for (; c + 3 < k; c += 4) {
      double a0 = xs[xo + c];
      double a1 = xs[xo + c + 1];
      double a2 = xs[xo + c + 2];
      double a3 = xs[xo + c + 3];
      double[] w0 = d[c];
      double[] w1 = d[c + 1];
      double[] w2 = d[c + 2];
      double[] w3 = d[c + 3];
      for (int j = 0; j < n; j++) {
        y[j] = y[j] + a0 * w0[j] + a1 * w1[j] + a2 * w2[j] + a3 * w3[j];
      }
    }
    for (; c < k; c++) {
      double a0 = xs[xo + c];
      double[] w = d[c];
      for (int j = 0; j < n; j++) {
        y[j] = y[j] + a0 * w[j];
      }
    }
  }

  private void rows2(double[] xs, int xo, double[] y0, double[] y1) {
    int c = 0;
    for (; c + 1 < k; c += 2) {
      double a0 = xs[xo + c];
      double a1 = xs[xo + c + 1];
      double b0 = xs[xo + k + c];
      double b1 = xs[xo + k + c + 1];
      double[] w0 = d[c];
      double[] w1 = d[c + 1];
      for (int j = 0; j < n; j++) {
        double v0 = w0[j];
        double v1 = w1[j];
        y0[j] = y0[j] + a0 * v0 + a1 * v1;
        y1[j] = y1[j] + b0 * v0 + b1 * v1;
      }
    }
    if (c < k) {
      double a0 = xs[xo + c];
      double b0 = xs[xo + k + c];
      double[] w = d[c];
      for (int j = 0; j < n; j++) {
        double v = w[j];
        y0[j] = y0[j] + a0 * v;
        y1[j] = y1[j] + b0 * v;
      }
    }
  }

  /** Two accumulator rows of at least N floats, this thread's. */
  private float[][] floatAcc(int rows) {
    float[][] a = FLOAT_ACC.get();
    for (int r = 0; r < rows; r++) {
      if (a[r].length < n) {
        a[r] = new float[n];
      }
    }
    return a;
  }

  private double[][] doubleAcc(int rows) {
    double[][] a = DOUBLE_ACC.get();
    for (int r = 0; r < rows; r++) {
      if (a[r].length < n) {
        a[r] = new double[n];
      }
    }
    return a;
  }
}
