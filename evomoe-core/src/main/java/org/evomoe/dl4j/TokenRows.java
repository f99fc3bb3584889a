package org.evomoe.dl4j;

import org.evomoe.router.Modalities;
import org.evomoe.router.Modality;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The tokens of one DL4J input: the rows the mask keeps (all rows without a mask), their first d
 * columns as a dense array, and their modality tags (from the last column, or one default tag).
 * Padding rows (mask 0) are no tokens: they reach neither the router nor the loss statistics,
 * their output is 0 and they pass no gradient. Arrays are created in the current workspace scope.
 */
final class TokenRows {
  final int inputRows; // N: rows of the DL4J input
  final int[] rows; // the kept rows, ascending
  final INDArray x; // [rows.length, d], c order, own memory; null without rows
  final Modality[] modalities; // per kept row

  private TokenRows(int inputRows, int[] rows, INDArray x, Modality[] modalities) {
    this.inputRows = inputRows;
    this.rows = rows;
    this.x = x;
    this.modalities = modalities;
  }

  /**
   * @param input [N, d] or, with a modality column, [N, d + 1]
   * @param mask null, or N values (shape [N] or [N, 1]); 0 marks padding
   * @param modalitySet the layer's modalities: the column holds ids into it
   * @param fixed every token's tag without a modality column
   * @param type data type of the result
   * @throws IllegalArgumentException on a shape mismatch or a modality value that is not an id of
   *     {@code modalitySet} (naming the input row and the value), before the tokens are copied
   */
  static TokenRows of(INDArray input, INDArray mask, int d, boolean modalityColumn,
      Modalities modalitySet, Modality fixed, DataType type) {
    int width = d + (modalityColumn ? 1 : 0);
    if (input.rank() != 2 || input.size(1) != width) {
      throw new IllegalArgumentException(
          "MoE layer input must be [batch, " + width + "]"
              + (modalityColumn ? " (d = " + d + " plus the modality column)" : "")
              + ", got " + java.util.Arrays.toString(input.shape()));
    }
    int n = Math.toIntExact(input.size(0));
    INDArray in = input.dup('c').castTo(DataType.DOUBLE);
    double[] all = in.data().asDouble();
    int[] rows = keptRows(mask, n);
    Modality[] tags;
    if (modalityColumn) {
      double[] ids = new double[rows.length];
      for (int i = 0; i < rows.length; i++) {
        ids[i] = all[rows[i] * width + d];
      }
      tags = modalitySet.fromIds(ids, "MoE layer modality column", rows);
    } else {
      tags = Modality.all(rows.length, fixed);
    }
    double[] xs = new double[rows.length * d];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(all, rows[i] * width, xs, i * d, d);
    }
    // No rows (all padding): no array (workspaces cannot hold empty ones).
    INDArray x = rows.length == 0 ? null : Nd4j.create(xs, new long[] {rows.length, d}, 'c').castTo(type);
    return new TokenRows(n, rows, x, tags);
  }

  private static int[] keptRows(INDArray mask, int n) {
    if (mask == null) {
      int[] rows = new int[n];
      for (int i = 0; i < n; i++) {
        rows[i] = i;
      }
      return rows;
    }
    if (mask.length() != n) {
      throw new IllegalArgumentException(
          "MoE layer mask has " + mask.length() + " values for " + n + " input rows, shape "
              + java.util.Arrays.toString(mask.shape()));
    }
    double[] m = mask.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    int count = 0;
    for (double v : m) {
      if (v != 0) {
        count++;
      }
    }
    int[] rows = new int[count];
    int j = 0;
    for (int i = 0; i < n; i++) {
      if (m[i] != 0) {
        rows[j++] = i;
      }
    }
    return rows;
  }

  /** The kept rows of {@code full} [N, d] as a dense [rows, d] array. */
  INDArray gather(INDArray full, DataType type) {
    int d = Math.toIntExact(full.size(1));
    double[] all = full.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    double[] out = new double[rows.length * d];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(all, rows[i] * d, out, i * d, d);
    }
    return Nd4j.create(out, new long[] {rows.length, d}, 'c').castTo(type);
  }

  /**
   * {@code part} [rows, d] placed at the kept rows of an [N, width] array of zeros (width >= d:
   * extra columns, e.g. the modality column's gradient, stay 0).
   */
  INDArray scatter(INDArray part, int width, DataType type) {
    int d = Math.toIntExact(part.size(1));
    double[] p = part.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    double[] out = new double[inputRows * width];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(p, i * d, out, rows[i] * width, d);
    }
    return Nd4j.create(out, new long[] {inputRows, width}, 'c').castTo(type);
  }
}
