package org.evomoe.tensor;

import static org.evomoe.TestArrays.maxAbsDiff;
import static org.evomoe.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The fused Java kernels against ND4J's own element-wise ops. */
class KernelsTest {
  @Test
  void siluMulMatchesNd4jInFloatAndDouble() {
    for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      INDArray g = normal(1, t, 33, 129).muli(4);
      INDArray u = normal(2, t, 33, 129);
      INDArray h = Nd4j.createUninitialized(t, 33, 129);
      INDArray s = Nd4j.createUninitialized(t, 33, 129);
      Kernels.siluMul(g, u, h, s);
      INDArray sig = Transforms.sigmoid(g, true);
      INDArray ref = sig.mul(g).muli(u);
      double tol = t == DataType.FLOAT ? 1e-5 : 1e-12;
      assertTrue(maxAbsDiff(h, ref) < tol, t + " diff " + maxAbsDiff(h, ref));
      assertTrue(maxAbsDiff(s, sig) < tol, t + " sigmoid diff " + maxAbsDiff(s, sig));
    }
  }

  @Test
  void addInPlaceGivesTheBitsOfNd4jsAddition() {
    for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      INDArray a = normal(3, t, 9, 37).muli(1e3);
      INDArray b = normal(4, t, 9, 37).muli(1e-3);
      INDArray want = a.dup().addi(b);
      INDArray got = a.dup();
      Kernels.addInPlace(got, b);
      assertTrue(maxAbsDiff(got, want) == 0.0, t + " diff " + maxAbsDiff(got, want));
      // Row-range views at an offset.
      INDArray big = normal(5, t, 12, 37);
      INDArray view = big.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 5),
          org.nd4j.linalg.indexing.NDArrayIndex.all());
      INDArray wantView = view.dup().addi(b.getRows(0, 1, 2));
      Kernels.addInPlace(view, b.getRows(0, 1, 2).dup());
      assertTrue(maxAbsDiff(view, wantView) == 0.0, t + " view");
    }
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Kernels.addInPlace(Nd4j.zeros(DataType.FLOAT, 3), Nd4j.zeros(DataType.FLOAT, 4)));
  }

  @Test
  void kernelsHonourRowRangeViews() {
    INDArray g = normal(1, DataType.DOUBLE, 10, 8);
    INDArray u = normal(2, DataType.DOUBLE, 10, 8);
    INDArray gv = g.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(3, 7),
        org.nd4j.linalg.indexing.NDArrayIndex.all());
    INDArray uv = u.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(3, 7),
        org.nd4j.linalg.indexing.NDArrayIndex.all());
    INDArray h = Nd4j.zeros(DataType.DOUBLE, 4, 8);
    Kernels.siluMul(gv, uv, h, Nd4j.zeros(DataType.DOUBLE, 4, 8));
    INDArray ref = Transforms.sigmoid(gv, true).muli(gv).muli(uv);
    assertTrue(maxAbsDiff(h, ref) < 1e-12);
  }

  @Test
  void gatherRowsMatchesPullRows() {
    for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      INDArray x = normal(4, t, 50, 7);
      int[] rows = {49, 0, 3, 3, 17};
      INDArray out = Nd4j.createUninitialized(t, rows.length, 7);
      Kernels.gatherRows(x, rows, out);
      assertTrue(maxAbsDiff(out, Nd4j.pullRows(x, 1, rows)) == 0.0);
    }
  }

  @Test
  void siluMulBackwardMatchesFiniteDifferencesOfTheForward() {
    // Element-wise, so a central difference per element checks both outputs at once.
    INDArray g = normal(5, DataType.DOUBLE, 6, 9).muli(3);
    INDArray u = normal(6, DataType.DOUBLE, 6, 9);
    INDArray dh = normal(7, DataType.DOUBLE, 6, 9);
    INDArray h = Nd4j.zeros(DataType.DOUBLE, 6, 9);
    INDArray s = Nd4j.zeros(DataType.DOUBLE, 6, 9);
    Kernels.siluMul(g, u, h, s);
    INDArray dg = Nd4j.zeros(DataType.DOUBLE, 6, 9);
    INDArray du = Nd4j.zeros(DataType.DOUBLE, 6, 9);
    Kernels.siluMulBackward(g, u, s, dh, dg, du);
    double eps = 1e-6;
    for (int i = 0; i < 54; i++) {
      double gi = g.getDouble(i);
      double ui = u.getDouble(i);
      double numG = (Kernels.silu(gi + eps) - Kernels.silu(gi - eps)) / (2 * eps) * ui * dh.getDouble(i);
      double numU = Kernels.silu(gi) * dh.getDouble(i);
      assertTrue(Math.abs(numG - dg.getDouble(i)) < 1e-8, "dg at " + i);
      assertTrue(Math.abs(numU - du.getDouble(i)) < 1e-12, "du at " + i);
    }
  }

  @AfterEach
  void restoreThreads() {
    Threads.set(Integer.getInteger("evomoe.threads", 1));
  }

  /**
   * Shapes above the split thresholds (row gathers: 256 rows a task; element-wise kernels: chunks
   * of 4,096): with 2 threads the parallel branches run, and every kernel gives the same bits as
   * with 1 (work is split by rows or elements).
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"FLOAT", "DOUBLE"})
  void kernelsGiveTheSameBitsWithOneAndTwoThreads(String type) {
    DataType t = DataType.valueOf(type);
    INDArray[][] results = new INDArray[2][];
    for (int threads = 1; threads <= 2; threads++) {
      Threads.set(threads);
      INDArray x = normal(4, t, 700, 33);
      int[] rows = new int[600];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = (i * 37) % 700;
      }
      INDArray gathered = Nd4j.createUninitialized(t, rows.length, 33);
      Kernels.gatherRows(x, rows, gathered);
      assertTrue(maxAbsDiff(gathered, Nd4j.pullRows(x, 1, rows)) == 0.0);
      INDArray g = normal(5, t, 300, 100);
      INDArray u = normal(6, t, 300, 100);
      INDArray h = Nd4j.createUninitialized(t, 300, 100);
      INDArray s = Nd4j.createUninitialized(t, 300, 100);
      Kernels.siluMul(g, u, h, s);
      INDArray ref = Transforms.sigmoid(g, true).muli(g).muli(u);
      assertTrue(maxAbsDiff(h, ref) < (t == DataType.FLOAT ? 1e-5 : 1e-12));
      INDArray dg = Nd4j.createUninitialized(t, 300, 100);
      INDArray du = Nd4j.createUninitialized(t, 300, 100);
      Kernels.siluMulBackward(g, u, s, normal(7, t, 300, 100), dg, du);
      results[threads - 1] = new INDArray[] {gathered, h, s, dg, du};
    }
    for (int i = 0; i < results[0].length; i++) {
      assertTrue(maxAbsDiff(results[0][i], results[1][i]) == 0.0, "result " + i + " differs between 1 and 2 threads");
    }
  }
  /**
   * Column sums (bias gradients) against a slow oracle in double: float and double, a dense matrix
   * and a transposed view, into an accumulator that already holds values; the same bits with 1
   * and 2 threads (3,000 rows x 70 columns: the columns split); a wrong accumulator size is named.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"FLOAT", "DOUBLE"})
  void columnSumsMatchAnOracleAndDoNotDependOnThreads(String type) {
    DataType t = DataType.valueOf(type);
    INDArray m = normal(11, t, 3000, 70);
    INDArray start = normal(12, t, 70);
    double[][] v = m.castTo(DataType.DOUBLE).toDoubleMatrix();
    double[] expected = start.castTo(DataType.DOUBLE).toDoubleVector();
    for (double[] row : v) {
      for (int j = 0; j < row.length; j++) {
        expected[j] += row[j];
      }
    }
    INDArray[] got = new INDArray[2];
    for (int threads = 1; threads <= 2; threads++) {
      Threads.set(threads);
      got[threads - 1] = start.dup();
      Kernels.addColumnSums(m, got[threads - 1]);
      INDArray viaView = start.dup();
      Kernels.addColumnSums(m.transpose().dup('c').transpose(), viaView); // f-ordered view
      assertTrue(maxAbsDiff(viaView, got[threads - 1]) == 0.0, "a strided view sums like its copy");
    }
    assertTrue(maxAbsDiff(got[0], got[1]) == 0.0, "1 and 2 threads give the same bits");
    double[] g = got[0].castTo(DataType.DOUBLE).toDoubleVector();
    double tol = t == DataType.FLOAT ? 1e-4 : 1e-12; // float: one rounding of a sum of order 50
    for (int j = 0; j < g.length; j++) {
      assertTrue(Math.abs(g[j] - expected[j]) <= tol, "column " + j + ": " + g[j] + " vs " + expected[j]);
    }
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Kernels.addColumnSums(m, Nd4j.zeros(t, 69)));
    assertTrue(e.getMessage().contains("70 elements"), e.getMessage());
  }
}
