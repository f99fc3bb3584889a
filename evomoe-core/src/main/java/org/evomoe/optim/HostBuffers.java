package org.evomoe.optim;

import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.evomoe.tensor.Parallel;
import org.evomoe.tensor.Scratch;
import org.evomoe.tensor.Threads;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Plain-Java access to the elements of c-ordered, contiguous FLOAT or DOUBLE arrays on the CPU
 * backend, for fused element-wise kernels (one pass over memory instead of one ND4J op per
 * arithmetic step). Other backends (device memory) and other data types go through ND4J ops.
 */
final class HostBuffers {
  /** Arrays at least this long are processed in parallel chunks (element-wise, so deterministic). */
  static final int PARALLEL_THRESHOLD = 1 << 16;

  private static final int CHUNK = 1 << 15;

  /** Elements per bulk copy between a buffer and a Java array. */
  private static final int BLOCK = 2048;

  /** Shared source of zeros for {@link #zero} (never written). */
  private static final float[] ZERO_FLOATS = new float[BLOCK];

  private static final double[] ZERO_DOUBLES = new double[BLOCK];

  private HostBuffers() {}

  /** Receives a half-open element range {@code [from, to)}. */
  @FunctionalInterface
  interface RangeBody {
    void run(int from, int to);
  }

  /**
   * True when every array can be read and written through {@link #floats}/{@link #doubles}: CPU
   * backend, all of the first array's data type (FLOAT or DOUBLE), same length, c-ordered and
   * contiguous, and addressable with int indices.
   */
  static boolean usable(INDArray... arrays) {
    if (!Nd4j.getEnvironment().isCPU()) {
      return false;
    }
    DataType type = arrays[0].dataType();
    if (type != DataType.FLOAT && type != DataType.DOUBLE) {
      return false;
    }
    long length = arrays[0].length();
    for (INDArray a : arrays) {
      if (a.dataType() != type || a.length() != length || a.ordering() != 'c') {
        return false;
      }
      if (length > 1 && a.elementWiseStride() != 1) {
        return false;
      }
      if ((a.offset() + length) * type.width() > Integer.MAX_VALUE) {
        return false;
      }
    }
    return true;
  }

  /** The elements of a FLOAT array; index 0 is the array's first element (its offset honoured). */
  static FloatBuffer floats(INDArray a) {
    FloatBuffer all = a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
    all.position(Math.toIntExact(a.offset()));
    return all.slice();
  }

  /** The elements of a DOUBLE array; index 0 is the array's first element (its offset honoured). */
  static DoubleBuffer doubles(INDArray a) {
    DoubleBuffer all = a.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
    all.position(Math.toIntExact(a.offset()));
    return all.slice();
  }

  /**
   * Runs {@code body} over {@code [0, length)}, in chunks of {@value #CHUNK} elements spread over
   * the library's {@link Threads} for long arrays (on the calling thread alone when the thread
   * count is 1; never on the common fork-join pool).
   */
  static void forRange(int length, RangeBody body) {
    if (length < PARALLEL_THRESHOLD) {
      body.run(0, length);
      return;
    }
    int chunks = (length + CHUNK - 1) / CHUNK;
    Parallel.forRange(chunks, 1, (c0, c1) -> {
      for (int c = c0; c < c1; c++) {
        body.run(c * CHUNK, Math.min(length, (c + 1) * CHUNK));
      }
    });
  }

  /** Sum of squares of all elements, accumulated in double (in a fixed order: deterministic). */
  static double sumOfSquares(INDArray a) {
    int n = Math.toIntExact(a.length());
    // Bulk copies in blocks, summed in element order (the same result as element-wise reads).
    if (a.dataType() == DataType.FLOAT) {
      FloatBuffer b = floats(a);
      float[] block = Scratch.floats(0, Math.min(n, BLOCK));
      double s = 0;
      for (int b0 = 0; b0 < n; b0 += BLOCK) {
        int len = Math.min(BLOCK, n - b0);
        b.get(b0, block, 0, len);
        for (int i = 0; i < len; i++) {
          double x = block[i];
          s += x * x;
        }
      }
      return s;
    }
    DoubleBuffer b = doubles(a);
    double[] block = Scratch.doubles(0, Math.min(n, BLOCK));
    double s = 0;
    for (int b0 = 0; b0 < n; b0 += BLOCK) {
      int len = Math.min(BLOCK, n - b0);
      b.get(b0, block, 0, len);
      for (int i = 0; i < len; i++) {
        double x = block[i];
        s += x * x;
      }
    }
    return s;
  }

  /**
   * {@code a *= scale} in place, as ND4J's {@code muli} computes it: in the array's own precision
   * (a FLOAT array is multiplied by the float rounding of {@code scale}).
   */
  static void scale(INDArray a, double scale) {
    int n = Math.toIntExact(a.length());
    if (a.dataType() == DataType.FLOAT) {
      FloatBuffer b = floats(a);
      float f = (float) scale;
      forRange(n, (from, to) -> {
        for (int i = from; i < to; i++) {
          b.put(i, b.get(i) * f);
        }
      });
      return;
    }
    DoubleBuffer b = doubles(a);
    forRange(n, (from, to) -> {
      for (int i = from; i < to; i++) {
        b.put(i, b.get(i) * scale);
      }
    });
  }

  /** Sets every element to 0. */
  static void zero(INDArray a) {
    int n = Math.toIntExact(a.length());
    if (a.dataType() == DataType.FLOAT) {
      FloatBuffer b = floats(a);
      float[] zeros = ZERO_FLOATS;
      for (int b0 = 0; b0 < n; b0 += BLOCK) {
        b.put(b0, zeros, 0, Math.min(BLOCK, n - b0));
      }
      return;
    }
    DoubleBuffer b = doubles(a);
    double[] zeros = ZERO_DOUBLES;
    for (int b0 = 0; b0 < n; b0 += BLOCK) {
      b.put(b0, zeros, 0, Math.min(BLOCK, n - b0));
    }
  }
}
