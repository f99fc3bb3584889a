package org.evomoe.tensor;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Plain-Java access to the memory of a dense, c-ordered FLOAT or DOUBLE array, for fused
 * element-wise kernels that ND4J runs slowly. Values cross as doubles; the float path converts.
 */
public abstract sealed class Buffers permits Buffers.F32, Buffers.F64 {
  /** Element offset of the array's first element inside the buffer. */
  protected final int base;

  /** Length in elements. */
  public final long length;

  private Buffers(INDArray a) {
    this.base = Math.toIntExact(a.offset());
    this.length = a.length();
  }

  /** A view of {@code a}'s memory. Throws unless {@code a} is dense c-order FLOAT or DOUBLE. */
  public static Buffers of(INDArray a) {
    requireDense(a);
    return switch (a.dataType()) {
      case FLOAT -> new F32(a);
      case DOUBLE -> new F64(a);
      default ->
          throw new IllegalArgumentException(
              "only FLOAT and DOUBLE arrays are supported, got " + a.dataType());
    };
  }

  /** Whether {@code a} is laid out densely in c order (a row-range view is fine). */
  public static boolean isDense(INDArray a) {
    if (a.ordering() != 'c' && a.rank() > 1) {
      return false;
    }
    long expected = 1;
    long[] shape = a.shape();
    long[] stride = a.stride();
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1 && stride[i] != expected) {
        return false;
      }
      expected *= shape[i];
    }
    return true;
  }

  /** Throws unless {@code a} is laid out densely in c order (a row-range view is fine). */
  public static void requireDense(INDArray a) {
    if (a.ordering() != 'c' && a.rank() > 1) {
      throw new IllegalArgumentException("array must be c-ordered, got " + a.ordering());
    }
    long expected = 1;
    long[] shape = a.shape();
    long[] stride = a.stride();
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1 && stride[i] != expected) {
        throw new IllegalArgumentException(
            "array must be dense (no strides), shape "
                + java.util.Arrays.toString(shape)
                + " stride "
                + java.util.Arrays.toString(stride));
      }
      expected *= shape[i];
    }
  }

  /** Copies {@code n} elements starting at element {@code pos} into {@code dst[off..]}. */
  public abstract void read(long pos, double[] dst, int off, int n);

  /** Copies {@code n} elements from {@code src[off..]} to element {@code pos}. */
  public abstract void write(long pos, double[] src, int off, int n);

  /** Whether every element of the array is finite (no NaN, no infinity), in one plain-Java pass. */
  public boolean allFinite() {
    double[] chunk = new double[(int) Math.min(length, 4096)];
    for (long pos = 0; pos < length; pos += chunk.length) {
      int n = (int) Math.min(chunk.length, length - pos);
      read(pos, chunk, 0, n);
      for (int i = 0; i < n; i++) {
        if (!Double.isFinite(chunk[i])) {
          return false;
        }
      }
    }
    return true;
  }

  /** Whether arrays of this data type are supported. */
  public static boolean supports(DataType t) {
    return t == DataType.FLOAT || t == DataType.DOUBLE;
  }

  static final class F32 extends Buffers {
    // One scratch array per thread for all instances: a ThreadLocal per instance (one per kernel
    // call) filled every thread's map with stale entries and made each lookup a slow miss.
    private static final ThreadLocal<float[]> TMP = ThreadLocal.withInitial(() -> new float[0]);
    private final FloatBuffer buf;

    F32(INDArray a) {
      super(a);
      this.buf = a.data().asNioFloat();
    }

    private float[] scratch(int n) {
      float[] t = TMP.get();
      if (t.length < n) {
        t = new float[n];
        TMP.set(t);
      }
      return t;
    }

    @Override
    public void read(long pos, double[] dst, int off, int n) {
      float[] t = scratch(n);
      buf.get(base + (int) pos, t, 0, n);
      for (int i = 0; i < n; i++) {
        dst[off + i] = t[i];
      }
    }

    @Override
    public void write(long pos, double[] src, int off, int n) {
      float[] t = scratch(n);
      for (int i = 0; i < n; i++) {
        t[i] = (float) src[off + i];
      }
      buf.put(base + (int) pos, t, 0, n);
    }
  }

  static final class F64 extends Buffers {
    private final DoubleBuffer buf;

    F64(INDArray a) {
      super(a);
      this.buf = a.data().asNioDouble();
    }

    @Override
    public void read(long pos, double[] dst, int off, int n) {
      buf.get(base + (int) pos, dst, off, n);
    }

    @Override
    public void write(long pos, double[] src, int off, int n) {
      buf.put(base + (int) pos, src, off, n);
    }
  }
}
