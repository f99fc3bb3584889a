package org.evomoe.examples.model;

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
