package org.evomoe.nn;

import java.util.Arrays;
import org.evomoe.tensor.Buffers;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Argument checks shared by the layers; every failure names the argument and the shape. */
public final class Shapes {
  private Shapes() {}

  /** Requires a rank-2 array with {@code cols} columns (rows free). */
  public static void requireMatrix(String what, INDArray a, long cols) {
    if (a == null) {
      throw new IllegalArgumentException(what + " must not be null");
    }
    if (a.rank() != 2 || a.size(1) != cols) {
      throw new IllegalArgumentException(
          what + " must have shape [T, " + cols + "], got " + Arrays.toString(a.shape()));
    }
  }

  /** Requires exactly the given shape. */
  public static void requireShape(String what, INDArray a, long... shape) {
    if (a == null) {
      throw new IllegalArgumentException(what + " must not be null");
    }
    if (!Arrays.equals(a.shape(), shape)) {
      throw new IllegalArgumentException(
          what
              + " must have shape "
              + Arrays.toString(shape)
              + ", got "
              + Arrays.toString(a.shape()));
    }
  }

  /**
   * Requires a caller's output array for a forward of {@code input}: exactly {@code [rows, cols]},
   * the input's data type, dense c-order (it is written through its buffer).
   */
  public static void requireOutput(String what, INDArray y, INDArray input, long rows, long cols) {
    requireShape(what, y, rows, cols);
    if (y.dataType() != input.dataType() || !Buffers.isDense(y)) {
      throw new IllegalArgumentException(what + " must be dense " + input.dataType() + ", got "
          + y.dataType() + (Buffers.isDense(y) ? "" : " (not dense)"));
    }
  }

  /** Requires {@code v > 0}. */
  public static int positive(String what, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(what + " must be positive, got " + v);
    }
    return v;
  }

  /** Requires a forward before a backward. */
  public static void requireForward(String layer, Object cached) {
    if (cached == null) {
      throw new IllegalStateException(layer + ": backward called without a preceding forward");
    }
  }
}
