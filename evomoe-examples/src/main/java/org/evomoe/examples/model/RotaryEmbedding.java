package org.evomoe.examples.model;

import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.Parallel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Rotary position embedding (RoPE) in the Hugging Face LLaMA convention ("rotate_half").
 *
 * <p>For a head vector x of even width {@code dh} at position p, with {@code h = dh / 2} and
 * {@code inv_freq[i] = theta^(-2i / dh)}, angle {@code a_i = p * inv_freq[i]}:
 *
 * <pre>
 *   out[i]     = x[i]     * cos(a_i) - x[i + h] * sin(a_i)     (i &lt; h)
 *   out[i + h] = x[i + h] * cos(a_i) + x[i]     * sin(a_i)
 * </pre>
 *
 * i.e. {@code out = x * cos + rotate_half(x) * sin} with {@code rotate_half(x) = cat(-x2, x1)}:
 * dimension i is paired with i + dh/2 (not with i + 1 as in the original GPT-J interleaving). The
 * map is a rotation, so its backward is the rotation by the negative angle (the transpose).
 *
 * <p>Positions are given per row, so decoding with a key/value cache passes {@code offset + i}.
 * The object has no parameters; cos/sin tables grow on demand and are computed in double.
 */
public final class RotaryEmbedding {
  private final int headDim;
  private final int half;
  private final double theta;
  private final double[] invFreq;
  private volatile double[][] table = {new double[0], new double[0]}; // {cos, sin}, [pos * half + i]

  /**
   * @param headDim per-head width dh, even and positive
   * @param theta frequency base (10000 in LLaMA), finite and &gt; 0
   */
  public RotaryEmbedding(int headDim, double theta) {
    if (headDim <= 0 || headDim % 2 != 0) {
      throw new IllegalArgumentException("rotary head dimension must be even and positive, got " + headDim);
    }
    if (!(theta > 0) || Double.isInfinite(theta)) {
      throw new IllegalArgumentException("rotary theta must be finite and positive, got " + theta);
    }
    this.headDim = headDim;
    this.half = headDim / 2;
    this.theta = theta;
    this.invFreq = new double[half];
    for (int i = 0; i < half; i++) {
      invFreq[i] = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
    }
  }

  public int headDim() {
    return headDim;
  }

  public double theta() {
    return theta;
  }

  /** inv_freq[i] = theta^(-2i/dh), i &lt; dh/2. */
  public double inverseFrequency(int i) {
    return invFreq[i];
  }

  /** Makes sure the tables cover positions [0, maxPosition]. Call before parallel use. */
  public synchronized void ensurePositions(int maxPosition) {
    if (maxPosition < 0) {
      throw new IllegalArgumentException("rotary positions must be >= 0, got " + maxPosition);
    }
    int have = table[0].length / half;
    if (maxPosition < have) {
      return;
    }
    int n = Math.max(maxPosition + 1, 2 * have);
    double[] cos = new double[n * half];
    double[] sin = new double[n * half];
    for (int p = 0; p < n; p++) {
      for (int i = 0; i < half; i++) {
        double a = p * invFreq[i];
        cos[p * half + i] = Math.cos(a);
        sin[p * half + i] = Math.sin(a);
      }
    }
    table = new double[][] {cos, sin};
  }

  /**
   * Rotates {@code v[off .. off + dh)} in place by the angles of {@code position}; {@code inverse}
   * rotates by the negative angles (the transpose, used by backward). The tables must cover the
   * position ({@link #ensurePositions}).
   */
  public void rotate(double[] v, int off, int position, boolean inverse) {
    double[][] t = table;
    int base = position * half;
    if (position < 0 || base + half > t[0].length) {
      throw new IllegalStateException(
          "rotary position " + position + " is outside the prepared table; call ensurePositions");
    }
    double[] cos = t[0];
    double[] sin = t[1];
    double sign = inverse ? -1.0 : 1.0;
    for (int i = 0; i < half; i++) {
      double c = cos[base + i];
      double s = sign * sin[base + i];
      double a = v[off + i];
      double b = v[off + i + half];
      v[off + i] = a * c - b * s;
      v[off + i + half] = b * c + a * s;
    }
  }

  /**
   * Applies RoPE to every head of every row.
   *
   * @param x [T, numHeads * dh]: row t holds numHeads head vectors of width dh side by side
   * @param positions length T, each &gt;= 0
   * @return a new [T, numHeads * dh]
   */
  public INDArray forward(INDArray x, int[] positions) {
    return apply(x, positions, false);
  }

  /**
   * Backward of {@link #forward}: the inverse rotation of the output gradient.
   *
   * @param dy [T, numHeads * dh]
   * @param positions the positions the forward used, length T
   * @return dx [T, numHeads * dh]
   */
  public INDArray backward(INDArray dy, int[] positions) {
    return apply(dy, positions, true);
  }

  private INDArray apply(INDArray x, int[] positions, boolean inverse) {
    if (x == null || x.rank() != 2 || x.size(1) % headDim != 0) {
      throw new IllegalArgumentException(
          "rotary input must be [T, numHeads * " + headDim + "], got "
              + (x == null ? "null" : java.util.Arrays.toString(x.shape())));
    }
    int rows = (int) x.size(0);
    int width = (int) x.size(1);
    requirePositions(positions, rows);
    INDArray xc = x.isView() || x.ordering() != 'c' ? x.dup('c') : x;
    INDArray y = Nd4j.createUninitialized(x.dataType(), rows, width);
    Buffers bx = Buffers.of(xc);
    Buffers by = Buffers.of(y);
    Parallel.forRange(rows, 32, (r0, r1) -> {
      double[] row = new double[width];
      for (int r = r0; r < r1; r++) {
        bx.read((long) r * width, row, 0, width);
        for (int off = 0; off < width; off += headDim) {
          rotate(row, off, positions[r], inverse);
        }
        by.write((long) r * width, row, 0, width);
      }
    });
    return y;
  }

  /** Checks the length and sign of per-row positions and prepares the tables for them. */
  void requirePositions(int[] positions, int rows) {
    if (positions == null || positions.length != rows) {
      throw new IllegalArgumentException(
          "positions must have one entry per row (" + rows + "), got "
              + (positions == null ? "null" : positions.length));
    }
    int max = 0;
    for (int i = 0; i < positions.length; i++) {
      if (positions[i] < 0) {
        throw new IllegalArgumentException("position of row " + i + " is negative: " + positions[i]);
      }
      max = Math.max(max, positions[i]);
    }
    ensurePositions(max);
  }
}
