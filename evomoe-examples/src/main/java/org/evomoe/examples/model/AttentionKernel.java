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
    Buffers bk = Buffers.of(keys);
    Buffers bv = Buffers.of(values);
    attend(q, keyLen, newLen, offset, scale, out, (n, kv) -> {
      if (kv[0] == null) {
        kv[0] = new double[keyLen * dh];
        kv[1] = new double[keyLen * dh];
      }
      bk.read(n * capacity * dh, kv[0], 0, keyLen * dh);
      bv.read(n * capacity * dh, kv[1], 0, keyLen * dh);
      return 0;
    });
  }

  /**
   * As {@link #cachedForward(INDArray, INDArray, INDArray, int, int, int, double, INDArray)} with
   * the keys and values read from a {@link KvCache}'s Java copies ({@link KvCache#keyRows}): the
   * same values as its buffers, without converting the cached rows to doubles on every call.
   */
  static void cachedForward(INDArray q, KvCache cache, int layer, int keyLen, int newLen,
      int offset, double scale, INDArray out) {
    int slices = (int) q.size(0);
    int dh = (int) q.size(2);
    double[] keys = cache.keyRows(layer);
    double[] values = cache.valueRows(layer);
    int capacity = cache.capacity(layer);
    if (keys == null || (long) slices * capacity * dh != keys.length || capacity < keyLen
        || !java.util.Arrays.equals(q.shape(), out.shape()) || offset + newLen != keyLen) {
      throw new IllegalArgumentException("attention shapes do not match: q "
          + java.util.Arrays.toString(q.shape()) + ", cache capacity " + capacity + ", out "
          + java.util.Arrays.toString(out.shape()) + ", keyLen " + keyLen + " = offset " + offset
          + " + newLen " + newLen);
    }
    attend(q, keyLen, newLen, offset, scale, out, (n, kv) -> {
      kv[0] = keys;
      kv[1] = values;
      return n * capacity * dh;
    });
  }

  /**
   * Slice n's cached keys and values: puts into {@code kv[0]} and {@code kv[1]} (null at a task's
   * first slice, then what the last call left there) arrays that hold them, keyLen * dh values
   * each from the returned offset on.
   */
  private interface SliceReader {
    int read(int n, double[][] kv);
  }

  private static void attend(INDArray q, int keyLen, int newLen, int offset, double scale,
      INDArray out, SliceReader reader) {
    int slices = (int) q.size(0);
    int rows = (int) q.size(1);
    int dh = (int) q.size(2);
    Buffers bq = Buffers.of(q);
    Buffers bo = Buffers.of(out);
    boolean toFloat = q.dataType() == DataType.FLOAT;
    long work = (long) slices * rows * keyLen * dh;
    int minPerTask = work < PARALLEL_WORK ? slices : 1;
    Parallel.forRange(slices, minPerTask, (n0, n1) -> {
      double[][] kv = new double[2][];
      double[] qr = new double[dh];
      double[] s = new double[keyLen];
      double[] o = new double[dh];
      for (int n = n0; n < n1; n++) {
        int base = reader.read(n, kv);
        double[] k = kv[0];
        double[] v = kv[1];
        for (int r = 0; r < rows; r++) {
          int limit = offset + r % newLen + 1;
          long qpos = ((long) n * rows + r) * dh;
          bq.read(qpos, qr, 0, dh);
          // Four keys at a time: four independent sums (each still over c in order, so the same
          // bits as one key at a time), which keeps the additions' latency out of the way.
          int j = 0;
          for (; j + 3 < limit; j += 4) {
            double d0 = 0;
            double d1 = 0;
            double d2 = 0;
            double d3 = 0;
            int k0 = base + j * dh;
            int k1 = k0 + dh;
            int k2 = k1 + dh;
            int k3 = k2 + dh;
            for (int c = 0; c < dh; c++) {
              double a = qr[c];
              d0 += a * k[k0 + c];
              d1 += a * k[k1 + c];
              d2 += a * k[k2 + c];
              d3 += a * k[k3 + c];
            }
            s[j] = score(d0, toFloat, scale);
            s[j + 1] = score(d1, toFloat, scale);
            s[j + 2] = score(d2, toFloat, scale);
            s[j + 3] = score(d3, toFloat, scale);
          }
          for (; j < limit; j++) {
            double dot = 0;
            int kb = base + j * dh;
            for (int c = 0; c < dh; c++) {
              dot += qr[c] * k[kb + c];
            }
            s[j] = score(dot, toFloat, scale);
          }
          double max = Double.NEGATIVE_INFINITY;
          for (j = 0; j < limit; j++) {
            max = Math.max(max, s[j]);
          }
          double sum = 0;
          for (j = 0; j < limit; j++) {
            s[j] = Math.exp(s[j] - max);
            sum += s[j];
          }
          java.util.Arrays.fill(o, 0.0);
          for (j = 0; j < limit; j++) {
            double p = s[j];
            int vb = base + j * dh;
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

  /**
   * A score: the dot product rounded to the arrays' precision, as a float product's output would
   * be (a score that overflows float becomes infinite, and the softmax NaN, on both paths), then
   * scaled.
   */
  private static double score(double dot, boolean toFloat, double scale) {
    return (toFloat ? (float) dot : dot) * scale;
  }
}
