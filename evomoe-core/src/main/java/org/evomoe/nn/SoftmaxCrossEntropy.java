package org.evomoe.nn;

import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.Parallel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mean softmax cross-entropy over the rows whose target is not {@link #IGNORE}. Numerically
 * stable (max-shifted log-sum-exp), one fused Java pass each way.
 */
public final class SoftmaxCrossEntropy {
  /** Target value of a row that does not count (padding, prompt tokens). */
  public static final int IGNORE = -1;

  private INDArray logits; // cached [T, V]
  private int[] targets; // cached [T]
  private int counted;
  private double[] rowLogSumExp; // cached per row [T] for backward

  /**
   * @param logits [T, V]
   * @param targets length T, each in [0, V) or {@link #IGNORE}
   * @return mean loss over counted rows (0 when none count)
   */
  public double forward(INDArray logits, int[] targets) {
    if (logits.rank() != 2) {
      throw new IllegalArgumentException(
          "logits must be [T, V], got " + java.util.Arrays.toString(logits.shape()));
    }
    int rows = (int) logits.size(0);
    int v = (int) logits.size(1);
    if (targets.length != rows) {
      throw new IllegalArgumentException(
          "targets length " + targets.length + " does not match logits rows " + rows);
    }
    int n = 0;
    for (int i = 0; i < rows; i++) {
      int t = targets[i];
      if (t != IGNORE && (t < 0 || t >= v)) {
        throw new IllegalArgumentException(
            "target " + t + " at row " + i + " is outside [0, " + v + ")");
      }
      if (t != IGNORE) {
        n++;
      }
    }
    INDArray l = logits.isView() ? logits.dup('c') : logits;
    this.logits = l;
    this.targets = targets.clone();
    this.counted = n;
    double[] perRow = new double[rows];
    double[] lseRows = new double[rows];
    Buffers bl = Buffers.of(l);
    Parallel.forRange(
        rows,
        8,
        (r0, r1) -> {
          double[] row = new double[v];
          for (int r = r0; r < r1; r++) {
            if (targets[r] == IGNORE) {
              continue;
            }
            bl.read((long) r * v, row, 0, v);
            lseRows[r] = logSumExp(row);
            perRow[r] = lseRows[r] - row[targets[r]];
          }
        });
    this.rowLogSumExp = lseRows;
    double sum = 0;
    for (double d : perRow) {
      sum += d;
    }
    return n == 0 ? 0.0 : sum / n;
  }

  /** d(loss)/d(logits) [T, V] = (softmax - onehot) / counted, zero on ignored rows. */
  public INDArray backward() {
    Shapes.requireForward("SoftmaxCrossEntropy", logits);
    int rows = (int) logits.size(0);
    int v = (int) logits.size(1);
    INDArray d = Nd4j.zeros(logits.dataType(), rows, v);
    if (counted == 0) {
      return d;
    }
    double scale = 1.0 / counted;
    Buffers bl = Buffers.of(logits);
    Buffers bd = Buffers.of(d);
    double[] lseRows = rowLogSumExp;
    Parallel.forRange(
        rows,
        8,
        (r0, r1) -> {
          double[] row = new double[v];
          for (int r = r0; r < r1; r++) {
            if (targets[r] == IGNORE) {
              continue;
            }
            bl.read((long) r * v, row, 0, v);
            double lse = lseRows[r]; // from forward: no second pass for the maximum and sum
            for (int i = 0; i < v; i++) {
              row[i] = Math.exp(row[i] - lse) * scale;
            }
            row[targets[r]] -= scale;
            bd.write((long) r * v, row, 0, v);
          }
        });
    return d;
  }

  /** log(sum(exp(row))), max-shifted. */
  public static double logSumExp(double[] row) {
    double m = Double.NEGATIVE_INFINITY;
    for (double x : row) {
      m = Math.max(m, x);
    }
    double s = 0;
    for (double x : row) {
      s += Math.exp(x - m);
    }
    return m + Math.log(s);
  }
}
