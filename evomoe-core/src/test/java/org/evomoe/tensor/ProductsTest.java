package org.evomoe.tensor;

import static org.evomoe.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The products' entry point: bit-identical to ND4J; counts only its own thread's calls. */
class ProductsTest {
  private static final int M = 7;
  private static final int K = 13;
  private static final int N = 5;

  private static INDArray operand(long seed, DataType t, boolean trans, long rows, long cols) {
    return trans ? normal(seed, t, cols, rows) : normal(seed, t, rows, cols);
  }

  @Test
  void gemmGivesNd4jsBitsForEveryTransposeAndScale() {
    double[][] scales = {{1.0, 0.0}, {0.5, 1.0}, {-2.0, 0.25}};
    for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      for (boolean ta : new boolean[] {false, true}) {
        for (boolean tb : new boolean[] {false, true}) {
          for (double[] s : scales) {
            INDArray a = operand(1, t, ta, M, K);
            INDArray b = operand(2, t, tb, K, N);
            INDArray c0 = normal(3, t, M, N);
            INDArray mine = c0.dup();
            INDArray ref = c0.dup();
            Products.gemm(a, b, mine, ta, tb, s[0], s[1]);
            Nd4j.gemm(a, b, ref, ta, tb, s[0], s[1]);
            String what = t + " transA=" + ta + " transB=" + tb + " alpha=" + s[0] + " beta=" + s[1];
            assertBitsEqual(ref, mine, what);
            // and the product was really computed (not a no-op that happens to match)
            assertFalse(mine.equalsWithEps(c0, 0.0), what + " left c unchanged");
          }
        }
      }
    }
  }

  @Test
  void gemmGivesNd4jsBitsWhileCounted() {
    INDArray a = normal(4, DataType.FLOAT, M, K);
    INDArray b = normal(5, DataType.FLOAT, N, K);
    INDArray mine = normal(6, DataType.FLOAT, M, N);
    INDArray ref = mine.dup();
    try (Products.Count c = Products.count()) {
      Products.gemm(a, b, mine, false, true, 1.5, 0.5);
    }
    Nd4j.gemm(a, b, ref, false, true, 1.5, 0.5);
    assertBitsEqual(ref, mine, "counted gemm");
  }

  @Test
  void batchedMatmulGivesNd4jsBitsForEveryTranspose() {
    for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      for (boolean ta : new boolean[] {false, true}) {
        for (boolean tb : new boolean[] {false, true}) {
          INDArray a = ta ? normal(7, t, 3, K, M) : normal(7, t, 3, M, K);
          INDArray b = tb ? normal(8, t, 3, N, K) : normal(8, t, 3, K, N);
          INDArray mine = Nd4j.createUninitialized(t, 3, M, N);
          INDArray ref = Nd4j.createUninitialized(t, 3, M, N);
          Products.batchedMatmul(a, b, mine, ta, tb);
          Nd4j.matmul(a, b, ref, ta, tb, false);
          assertBitsEqual(ref, mine, t + " transA=" + ta + " transB=" + tb);
        }
      }
    }
  }

  @Test
  void countHoldsExactlyTheCallsInsideItsScope() {
    INDArray a = normal(1, DataType.FLOAT, 64, 64);
    INDArray b = normal(2, DataType.FLOAT, 64, 64);
    INDArray c = Nd4j.createUninitialized(DataType.FLOAT, 64, 64);
    INDArray a3 = normal(3, DataType.FLOAT, 2, 8, 4);
    INDArray o3 = Nd4j.createUninitialized(DataType.FLOAT, 2, 8, 8);
    Products.gemm(a, b, c, false, false, 1.0, 0.0); // before: not counted
    Products.Count count = Products.count();
    for (int i = 0; i < 5; i++) {
      Products.gemm(a, b, c, false, false, 1.0, 0.0);
    }
    Products.batchedMatmul(a3, a3, o3, false, true);
    Nd4j.gemm(a, b, c, false, false, 1.0, 0.0); // not through the entry point: not counted
    assertEquals(6, count.calls());
    assertTrue(count.cpuNanos() >= 0, "cpu " + count.cpuNanos());
    assertTrue(count.wallNanos() > 0, "wall " + count.wallNanos());
    count.close();
    long cpu = count.cpuNanos();
    long wall = count.wallNanos();
    Products.gemm(a, b, c, false, false, 1.0, 0.0); // after: not counted
    assertTrue(count.closed());
    assertEquals(6, count.calls());
    assertEquals(cpu, count.cpuNanos());
    assertEquals(wall, count.wallNanos());
    count.close(); // twice: nothing
    assertEquals(6, count.calls());
  }

  @Test
  void cpuTimeCoversTheProductsWork() {
    INDArray a = normal(1, DataType.DOUBLE, 256, 256);
    INDArray c = Nd4j.createUninitialized(DataType.DOUBLE, 256, 256);
    try (Threads.Scope ignored = Threads.use(1); Products.Count count = Products.count()) {
      for (int i = 0; i < 20; i++) {
        Products.gemm(a, a, c, false, false, 1.0, 0.0);
      }
      // 20 x 2 x 256^3 flops = 0.67 Gflop: well over a millisecond of one core's time
      assertTrue(count.cpuNanos() > 1_000_000L, "cpu ns " + count.cpuNanos());
      assertTrue(count.cpuNanos() <= count.wallNanos() + 20_000_000L,
          "one BLAS thread: CPU " + count.cpuNanos() + " ns within wall " + count.wallNanos());
    }
  }

  @Test
  void otherThreadsCountTheirOwnCallsOnly() throws Exception {
    INDArray a = normal(1, DataType.FLOAT, 16, 16);
    AtomicReference<Long> otherCalls = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (Products.Count mine = Products.count()) {
      Thread other = new Thread(() -> {
        try {
          INDArray c = Nd4j.createUninitialized(DataType.FLOAT, 16, 16);
          Products.gemm(a, a, c, false, false, 1.0, 0.0); // no count open here
          try (Products.Count theirs = Products.count()) {
            Products.gemm(a, a, c, false, false, 1.0, 0.0);
            Products.gemm(a, a, c, false, false, 1.0, 0.0);
            otherCalls.set(theirs.calls());
          }
        } catch (Throwable e) {
          failure.set(e);
        }
      });
      other.start();
      other.join();
      if (failure.get() != null) {
        throw new AssertionError(failure.get());
      }
      assertEquals(0, mine.calls(), "calls on another thread are not this thread's");
      assertEquals(2, otherCalls.get());
      INDArray c = Nd4j.createUninitialized(DataType.FLOAT, 16, 16);
      Products.gemm(a, a, c, false, false, 1.0, 0.0);
      assertEquals(1, mine.calls());
    }
  }

  @Test
  void nestedCountsAddToEveryOpenCount() {
    INDArray a = normal(1, DataType.FLOAT, 8, 8);
    INDArray c = Nd4j.createUninitialized(DataType.FLOAT, 8, 8);
    try (Products.Count outer = Products.count()) {
      Products.gemm(a, a, c, false, false, 1.0, 0.0);
      try (Products.Count inner = Products.count()) {
        Products.gemm(a, a, c, false, false, 1.0, 0.0);
        Products.gemm(a, a, c, false, false, 1.0, 0.0);
        assertEquals(2, inner.calls());
        assertEquals(3, outer.calls());
      }
      Products.gemm(a, a, c, false, false, 1.0, 0.0);
      assertEquals(4, outer.calls());
    }
  }

  @Test
  void closingOutOfOrderOrElsewhereThrowsAndLeavesTheCountOpen() throws Exception {
    INDArray a = normal(1, DataType.FLOAT, 8, 8);
    INDArray c = Nd4j.createUninitialized(DataType.FLOAT, 8, 8);
    Products.Count outer = Products.count();
    Products.Count inner = Products.count();
    IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
    assertTrue(e.getMessage().contains("opened inside it"), e.getMessage());
    assertFalse(outer.closed());
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread other = new Thread(() -> {
      try {
        inner.close();
      } catch (Throwable t) {
        thrown.set(t);
      }
    });
    other.start();
    other.join();
    assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
    assertTrue(thrown.get().getMessage().contains("thread that opened"), thrown.get().getMessage());
    assertFalse(inner.closed());
    Products.gemm(a, a, c, false, false, 1.0, 0.0);
    inner.close();
    outer.close();
    assertEquals(1, inner.calls());
    assertEquals(1, outer.calls());
    Products.gemm(a, a, c, false, false, 1.0, 0.0);
    assertEquals(1, outer.calls());
  }

  private static void assertBitsEqual(INDArray expected, INDArray actual, String what) {
    assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
    if (expected.dataType() == DataType.FLOAT) {
      float[] e = expected.data().asFloat();
      float[] g = actual.data().asFloat();
      int[] eb = new int[e.length];
      int[] gb = new int[g.length];
      for (int i = 0; i < e.length; i++) {
        eb[i] = Float.floatToRawIntBits(e[i]);
        gb[i] = Float.floatToRawIntBits(g[i]);
      }
      assertArrayEquals(eb, gb, what);
    } else {
      double[] e = expected.data().asDouble();
      double[] g = actual.data().asDouble();
      long[] eb = new long[e.length];
      long[] gb = new long[g.length];
      for (int i = 0; i < e.length; i++) {
        eb[i] = Double.doubleToRawLongBits(e[i]);
        gb[i] = Double.doubleToRawLongBits(g[i]);
      }
      assertArrayEquals(eb, gb, what);
    }
  }
}
