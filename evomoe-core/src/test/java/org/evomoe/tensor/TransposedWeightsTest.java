package org.evomoe.tensor;

import static org.evomoe.TestArrays.maxAbsDiff;
import static org.evomoe.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The plain-Java product of a few rows against the obviously correct loop: every output is the
 * sum over the input axis in order, in the weights' precision, then the bias; and within rounding
 * of ND4J's gemm.
 */
class TransposedWeightsTest {
  /** y[r, col_i + o] = sum_c x[r, c] w_i[o, c] (+ b_i[o]), summed in order in float or double. */
  private static INDArray naive(INDArray x, INDArray[] ws, INDArray[] bs) {
    int m = (int) x.size(0);
    int k = (int) x.size(1);
    int n = 0;
    for (INDArray w : ws) {
      n += (int) w.size(0);
    }
    boolean isFloat = x.dataType() == DataType.FLOAT;
    double[] out = new double[m * n];
    double[] xd = x.dup('c').data().asDouble();
    int col = 0;
    for (int i = 0; i < ws.length; i++) {
      double[] wd = ws[i].dup('c').data().asDouble();
      double[] bd = bs == null ? null : bs[i].dup('c').data().asDouble();
      int rows = (int) ws[i].size(0);
      for (int r = 0; r < m; r++) {
        for (int o = 0; o < rows; o++) {
          float fs = 0f;
          double ds = 0.0;
          for (int c = 0; c < k; c++) {
            if (isFloat) {
              fs += (float) xd[r * k + c] * (float) wd[o * k + c];
            } else {
              ds += xd[r * k + c] * wd[o * k + c];
            }
          }
          if (bd != null) {
            fs += (float) bd[o];
            ds += bd[o];
          }
          out[r * n + col + o] = isFloat ? fs : ds;
        }
      }
      col += rows;
    }
    return Nd4j.create(out, new long[] {m, n}).castTo(x.dataType());
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
  void productsEqualTheOrderedSumForEveryRowCountWithAndWithoutBiases(DataType type) {
    INDArray[] ws = {normal(1, type, 5, 11), normal(2, type, 3, 11), normal(3, type, 7, 11)};
    INDArray[] bs = {normal(4, type, 5), normal(5, type, 3), normal(6, type, 7)};
    for (INDArray[] biases : new INDArray[][] {null, bs}) {
      TransposedWeights t = TransposedWeights.pack(ws, biases);
      assertEquals(15, t.out());
      assertEquals(11, t.in());
      for (int m = 0; m <= 10; m++) {
        INDArray x = m == 0 ? null : normal(10 + m, type, m, 11);
        if (x == null) {
          continue;
        }
        INDArray want = naive(x, ws, biases);
        INDArray y = Nd4j.createUninitialized(type, m, 15);
        t.multiply(x, y);
        assertEquals(0.0, maxAbsDiff(y, want), "rows " + m + ", one output");
        // One output per weight: the same columns.
        INDArray[] parts = {Nd4j.createUninitialized(type, m, 5),
            Nd4j.createUninitialized(type, m, 3), Nd4j.createUninitialized(type, m, 7)};
        t.multiply(x, parts);
        int col = 0;
        for (INDArray p : parts) {
          INDArray cols = want.get(NDArrayIndex.all(),
              NDArrayIndex.interval(col, col + p.size(1)));
          assertEquals(0.0, maxAbsDiff(p, cols), "rows " + m + ", split output");
          col += (int) p.size(1);
        }
        // Within rounding of ND4J's product.
        INDArray w = Nd4j.concat(0, ws);
        INDArray gemm = x.mmul(w.transpose());
        if (biases != null) {
          gemm.addiRowVector(Nd4j.concat(0, biases));
        }
        assertTrue(maxAbsDiff(y, gemm) < (type == DataType.FLOAT ? 1e-5 : 1e-13),
            "rows " + m + ": " + maxAbsDiff(y, gemm));
      }
    }
  }

  /**
   * The kernels take the input axis several columns per pass (four for one row, two for two rows)
   * and then the columns left over: every input width from 1 to 9, with and without a remainder,
   * and 1-7 rows (pairs and a single row), keep the ordered sum bit for bit.
   */
  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
  void everyInputWidthKeepsTheOrderedSumWhateverIsLeftOverFromThePasses(DataType type) {
    for (int k = 1; k <= 9; k++) {
      INDArray[] ws = {normal(20 + k, type, 19, k), normal(40 + k, type, 2, k)};
      INDArray[] bs = {normal(60 + k, type, 19), normal(80 + k, type, 2)};
      TransposedWeights t = TransposedWeights.pack(ws, bs);
      for (int m = 1; m <= 7; m++) {
        // Inputs of large and small magnitudes, so that a different order of additions shows.
        double[] scale = new double[k];
        for (int c = 0; c < k; c++) {
          scale[c] = Math.pow(10, c % 4);
        }
        INDArray x = normal(100 * k + m, type, m, k)
            .mulRowVector(Nd4j.createFromArray(scale).castTo(type));
        INDArray y = Nd4j.createUninitialized(type, m, 21);
        t.multiply(x, y);
        assertEquals(0.0, maxAbsDiff(y, naive(x, ws, bs)), "K " + k + ", rows " + m);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
  void aRowRangeViewIsReadAtItsOffset(DataType type) {
    INDArray[] ws = {normal(7, type, 6, 9)};
    TransposedWeights t = TransposedWeights.pack(ws, null);
    INDArray big = normal(8, type, 7, 9);
    INDArray rows = big.get(NDArrayIndex.interval(2, 5), NDArrayIndex.all());
    INDArray out = Nd4j.zeros(type, 5, 6);
    INDArray outRows = out.get(NDArrayIndex.interval(1, 4), NDArrayIndex.all());
    t.multiply(rows, outRows);
    assertEquals(0.0, maxAbsDiff(outRows, naive(rows.dup('c'), ws, null)));
    assertEquals(0.0, out.getRow(0).amaxNumber().doubleValue(), "rows outside the view untouched");
    assertEquals(0.0, out.getRow(4).amaxNumber().doubleValue(), "rows outside the view untouched");
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
  void aRightProductEqualsThePackOfTheTranspose(DataType type) {
    INDArray m = normal(9, type, 8, 13); // y = x M, M [K = 8, N = 13]
    TransposedWeights right = TransposedWeights.forRightProduct(m);
    TransposedWeights packed = TransposedWeights.pack(new INDArray[] {m.transpose().dup('c')}, null);
    INDArray x = normal(10, type, 3, 8);
    INDArray a = Nd4j.createUninitialized(type, 3, 13);
    INDArray b = Nd4j.createUninitialized(type, 3, 13);
    right.multiply(x, a);
    packed.multiply(x, b);
    assertEquals(0.0, maxAbsDiff(a, b));
  }

  @Test
  void eachProductCountsAsOneCall() {
    TransposedWeights t = TransposedWeights.pack(
        new INDArray[] {normal(1, DataType.FLOAT, 4, 6), normal(2, DataType.FLOAT, 3, 6)}, null);
    INDArray x = normal(3, DataType.FLOAT, 2, 6);
    try (Products.Count c = Products.count()) {
      t.multiply(x, Nd4j.createUninitialized(DataType.FLOAT, 2, 7));
      t.multiply(x, Nd4j.createUninitialized(DataType.FLOAT, 2, 4),
          Nd4j.createUninitialized(DataType.FLOAT, 2, 3));
      assertEquals(2, c.calls());
    }
  }

  @Test
  void badShapesAndTypesAreRejected() {
    DataType f = DataType.FLOAT;
    INDArray w = normal(1, f, 4, 6);
    assertThrows(IllegalArgumentException.class,
        () -> TransposedWeights.pack(new INDArray[] {w, normal(2, f, 4, 5)}, null));
    assertThrows(IllegalArgumentException.class,
        () -> TransposedWeights.pack(new INDArray[] {w}, new INDArray[] {normal(3, f, 3)}));
    assertThrows(IllegalArgumentException.class,
        () -> TransposedWeights.pack(new INDArray[] {normal(4, DataType.HALF, 4, 6)}, null));
    TransposedWeights t = TransposedWeights.pack(new INDArray[] {w}, null);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> t.multiply(normal(5, f, 2, 5), Nd4j.create(f, 2, 4)));
    assertTrue(e.getMessage().contains("[M, 6]"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> t.multiply(normal(6, f, 2, 6), Nd4j.create(f, 3, 4)));
    assertThrows(IllegalArgumentException.class,
        () -> t.multiply(normal(7, DataType.DOUBLE, 2, 6), Nd4j.create(DataType.DOUBLE, 2, 4)));
  }
}
