package org.evomoe.examples.model;

import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.Parallel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Scaled dot-product attention of a few new query rows against cached keys and values, in one
 * plain-Java pass (scores, causal mask, softmax and the weighted sum of values together). For
 * decoding, where each slice has a handful of query rows, this replaces two batched ND4J products,
 * the score buffer and the views of the cache that they need; the arithmetic is a few hundred
 * thousand multiply-adds per layer, less than the ND4J calls' dispatch.
 */
final class AttentionKernel {
  /** Multiply-adds below which the kernel runs on the calling thread alone. */
  private static final long PARALLEL_WORK = 1L << 20;

  private AttentionKernel() {}

  /**
   * {@code out[n, r] = softmax(scale * q[n, r] K[n]^T, causal) V[n]} for every slice n and query
   * row r, where row r is the query at absolute position {@code offset + r % newLen} and sees keys
   * {@code 0 .. offset + r % newLen}.
   *
   * @param q queries [slices, R, dh], R = G * newLen (dense)
   * @param keys key buffer [slices, capacity, dh]; the first {@code keyLen} rows of each slice are
   *     used (dense)
   * @param values value buffer, same shape as {@code keys}
   * @param keyLen cached keys per slice including the new ones, {@code offset + newLen}
   * @param out [slices, R, dh] (dense), overwritten
   */
  static void cachedForward(INDArray q, INDArray keys, INDArray values, int keyLen, int newLen,
      int offset, double scale, INDArray out) {
    int slices = (int) q.size(0);
    int rows = (int) q.size(1);
    int dh = (int) q.size(2);
    long capacity = keys.size(1);
    if (keys.size(0) != slices || keys.size(2) != dh || capacity < keyLen
        || !java.util.Arrays.equals(keys.shape(), values.shape())
        || !java.util.Arrays.equals(q.shape(), out.shape()) || offset + newLen != keyLen) {
      throw new IllegalArgumentException("attention shapes do not match: q "
          + java.util.Arrays.toString(q.shape()) + ", keys " + java.util.Arrays.toString(keys.shape())
          + ", values " + java.util.Arrays.toString(values.shape()) + ", out "
          + java.util.Arrays.toString(out.shape()) + ", keyLen " + keyLen + " = offset " + offset
          + " + newLen " + newLen);
    }
    Buffers bq = Buffers.of(q);
    Buffers bk = Buffers.of(keys);
    Buffers bv = Buffers.of(values);
    Buffers bo = Buffers.of(out);
    boolean toFloat = q.dataType() == DataType.FLOAT;
    long work = (long) slices * rows * keyLen * dh;
    int minPerTask = work < PARALLEL_WORK ? slices : 1;
    Parallel.forRange(slices, minPerTask, (n0, n1) -> {
      double[] k = new double[keyLen * dh];
      double[] v = new double[keyLen * dh];
      double[] qr = new double[dh];
      double[] s = new double[keyLen];
      double[] o = new double[dh];
      for (int n = n0; n < n1; n++) {
        bk.read(n * capacity * dh, k, 0, keyLen * dh);
        bv.read(n * capacity * dh, v, 0, keyLen * dh);
        for (int r = 0; r < rows; r++) {
          int limit = offset + r % newLen + 1;
          long qpos = ((long) n * rows + r) * dh;
          bq.read(qpos, qr, 0, dh);
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < limit; j++) {
            double dot = 0;
            int kb = j * dh;
            for (int c = 0; c < dh; c++) {
              dot += qr[c] * k[kb + c];
            }
            // Rounded to the arrays' precision, as a float product's output would be: a score
            // that overflows float becomes infinite (and the softmax NaN) on both paths.
            s[j] = (toFloat ? (float) dot : dot) * scale;
            max = Math.max(max, s[j]);
          }
          double sum = 0;
          for (int j = 0; j < limit; j++) {
            s[j] = Math.exp(s[j] - max);
            sum += s[j];
          }
          java.util.Arrays.fill(o, 0.0);
          for (int j = 0; j < limit; j++) {
            double p = s[j];
            int vb = j * dh;
            for (int c = 0; c < dh; c++) {
              o[c] += p * v[vb + c];
            }
          }
          double inv = 1.0 / sum;
          for (int c = 0; c < dh; c++) {
            o[c] *= inv;
          }
          bo.write(qpos, o, 0, dh);
        }
      }
    });
  }
}
