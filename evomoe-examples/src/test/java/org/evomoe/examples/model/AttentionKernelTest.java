package org.evomoe.examples.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The fused cached-attention kernel against a per-row loop written from the definition. */
class AttentionKernelTest {
  @Test
  void matchesThePerRowDefinitionWithStridedCacheBuffers() {
    for (DataType t : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
      // slices, group size, new rows, cached rows before, capacity, head width
      int[][] cases = {{6, 2, 1, 9, 16, 8}, {4, 3, 5, 0, 5, 4}, {2, 1, 3, 7, 64, 6}};
      for (int[] c : cases) {
        int n = c[0], g = c[1], m = c[2], offset = c[3], cap = c[4], dh = c[5];
        int keyLen = offset + m;
        Nd4j.getRandom().setSeed(11 + n);
        INDArray q = Nd4j.randn(t, n, (long) g * m, dh);
        INDArray keys = Nd4j.randn(t, n, cap, dh);
        INDArray values = Nd4j.randn(t, n, cap, dh);
        INDArray out = Nd4j.createUninitialized(t, n, (long) g * m, dh);
        double scale = 1.0 / Math.sqrt(dh);
        AttentionKernel.cachedForward(q, keys, values, keyLen, m, offset, scale, out);
        double maxDiff = 0;
        for (int s = 0; s < n; s++) {
          for (int r = 0; r < g * m; r++) {
            int visible = offset + r % m + 1;
            double[] p = new double[visible];
            double sum = 0;
            for (int j = 0; j < visible; j++) {
              double dot = 0;
              for (int x = 0; x < dh; x++) {
                dot += q.getDouble(s, r, x) * keys.getDouble(s, j, x);
              }
              p[j] = Math.exp(dot * scale);
              sum += p[j];
            }
            for (int x = 0; x < dh; x++) {
              double o = 0;
              for (int j = 0; j < visible; j++) {
                o += p[j] / sum * values.getDouble(s, j, x);
              }
              maxDiff = Math.max(maxDiff, Math.abs(o - out.getDouble(s, r, x)));
            }
          }
        }
        double tol = t == DataType.DOUBLE ? 1e-12 : 1e-5;
        assertTrue(maxDiff < tol, t + " case " + java.util.Arrays.toString(c) + ": " + maxDiff);
      }
    }
  }

  /**
   * The kernel's previous loop, one key at a time (scores, then softmax, then the weighted values,
   * each sum in order): the kernel takes four keys at a time and must give the same bits.
   */
  private static double[] oneKeyAtATime(INDArray q, INDArray keys, INDArray values, int keyLen,
      int newLen, int offset, double scale) {
    int slices = (int) q.size(0);
    int rows = (int) q.size(1);
    int dh = (int) q.size(2);
    boolean toFloat = q.dataType() == DataType.FLOAT;
    double[] out = new double[slices * rows * dh];
    for (int n = 0; n < slices; n++) {
      for (int r = 0; r < rows; r++) {
        int limit = offset + r % newLen + 1;
        double[] s = new double[limit];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < limit; j++) {
          double dot = 0;
          for (int c = 0; c < dh; c++) {
            dot += q.getDouble(n, r, c) * keys.getDouble(n, j, c);
          }
          s[j] = (toFloat ? (float) dot : dot) * scale;
          max = Math.max(max, s[j]);
        }
        double sum = 0;
        for (int j = 0; j < limit; j++) {
          s[j] = Math.exp(s[j] - max);
          sum += s[j];
        }
        double[] o = new double[dh];
        for (int j = 0; j < limit; j++) {
          for (int c = 0; c < dh; c++) {
            o[c] += s[j] * values.getDouble(n, j, c);
          }
        }
        for (int c = 0; c < dh; c++) {
          o[c] *= 1.0 / sum;
          // Rounded to the output's precision, as the kernel writes it.
          out[(n * rows + r) * dh + c] = toFloat ? (float) o[c] : o[c];
        }
      }
    }
    return out;
  }

  @Test
  void fourKeysAtATimeGiveTheBitsOfOneKeyAtATimeForEveryVisibleLength() {
    for (DataType t : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
      // 1-11 visible keys (with and without a remainder after the fours), 1-3 new rows.
      for (int offset = 0; offset <= 8; offset++) {
        for (int m = 1; m <= 3; m++) {
          int n = 3;
          int g = 2;
          int dh = 5;
          int keyLen = offset + m;
          Nd4j.getRandom().setSeed(100 * offset + m);
          INDArray q = Nd4j.randn(t, n, (long) g * m, dh).muli(3);
          INDArray keys = Nd4j.randn(t, n, 16, dh);
          INDArray values = Nd4j.randn(t, n, 16, dh);
          INDArray out = Nd4j.createUninitialized(t, n, (long) g * m, dh);
          AttentionKernel.cachedForward(q, keys, values, keyLen, m, offset, 0.37, out);
          assertArrayEquals(oneKeyAtATime(q, keys, values, keyLen, m, offset, 0.37),
              out.castTo(DataType.DOUBLE).data().asDouble(), 0.0,
              t + " offset " + offset + " new " + m);
        }
      }
    }
  }

  @Test
  void theCachesJavaRowsGiveTheBitsOfItsBuffersAcrossGrowth() {
    for (DataType t : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
      int n = 4;
      int g = 2;
      int dh = 6;
      KvCache cache = new KvCache(2);
      Nd4j.getRandom().setSeed(7);
      // A prompt of 5, then single tokens past the first capacity (64 rows), so the buffers grow.
      int length = 0;
      for (int chunk : new int[] {5, 1, 1, 57, 1, 1, 3}) {
        for (int layer = 0; layer < 2; layer++) {
          cache.appendRows(layer, Nd4j.randn(t, n, chunk, dh), Nd4j.randn(t, n, chunk, dh));
          int keyLen = length + chunk;
          INDArray q = Nd4j.randn(t, n, (long) g * chunk, dh);
          INDArray fromBuffers = Nd4j.createUninitialized(t, n, (long) g * chunk, dh);
          INDArray fromRows = Nd4j.createUninitialized(t, n, (long) g * chunk, dh);
          AttentionKernel.cachedForward(q, cache.keyBuffer(layer), cache.valueBuffer(layer),
              keyLen, chunk, length, 0.4, fromBuffers);
          AttentionKernel.cachedForward(q, cache, layer, keyLen, chunk, length, 0.4, fromRows);
          assertEquals(fromBuffers, fromRows, t + " layer " + layer + " at " + length);
        }
        length += chunk;
        cache.advance(n, length);
      }
      assertEquals(128, cache.capacity(0));
    }
  }

  @Test
  void rejectsMismatchedShapes() {
    INDArray q = Nd4j.zeros(DataType.FLOAT, 2, 2, 4);
    INDArray kv = Nd4j.zeros(DataType.FLOAT, 2, 8, 4);
    INDArray out = Nd4j.zeros(DataType.FLOAT, 2, 2, 4);
    assertThrows(IllegalArgumentException.class,
        () -> AttentionKernel.cachedForward(q, kv, kv, 9, 1, 8, 0.5, out)); // beyond capacity
    assertThrows(IllegalArgumentException.class,
        () -> AttentionKernel.cachedForward(q, kv, kv, 5, 1, 3, 0.5, out)); // offset + new != keys
    assertThrows(IllegalArgumentException.class, () -> AttentionKernel.cachedForward(q,
        Nd4j.zeros(DataType.FLOAT, 3, 8, 4), kv, 5, 1, 4, 0.5, out)); // slice count
  }
}
