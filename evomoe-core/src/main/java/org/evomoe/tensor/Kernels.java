package org.evomoe.tensor;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fused element-wise kernels in plain Java over the arrays' memory. ND4J runs sigmoid and exp at
 * about 0.5 Gelem/s and each op costs a dispatch; these fuse a whole SwiGLU activation (forward or
 * backward) into one pass. FLOAT arrays are processed in float with {@link FastMath#exp};
 * DOUBLE arrays (gradient checks) entirely in double with {@code Math.exp}.
 */
public final class Kernels {
  private static final int CHUNK = 4096;

  private Kernels() {}

  /** silu(x) = x * sigmoid(x). */
  public static double silu(double x) {
    return x / (1.0 + Math.exp(-x));
  }

  /**
   * h = silu(g) * u and s = sigmoid(g), element-wise; s is kept for the backward pass.
   *
   * @param g gate pre-activations, any shape, dense
   * @param u up projections, same length
   * @param h output, same length
   * @param s sigmoid(g) output, same length
   */
  public static void siluMul(INDArray g, INDArray u, INDArray h, INDArray s) {
    requireSame(g, u, h, s);
    long n = g.length();
    if (g.dataType() == DataType.FLOAT) {
      FloatBuffer bg = g.data().asNioFloat();
      FloatBuffer bu = u.data().asNioFloat();
      FloatBuffer bh = h.data().asNioFloat();
      FloatBuffer bs = s.data().asNioFloat();
      int og = off(g), ou = off(u), oh = off(h), os = off(s);
      chunks(n, (pos, len) -> {
        float[] a = Scratch.floats(0, len);
        float[] b = Scratch.floats(1, len);
        bg.get(og + pos, a, 0, len);
        bu.get(ou + pos, b, 0, len);
        for (int i = 0; i < len; i++) {
          float x = a[i];
          float sig = FastMath.sigmoid(x);
          a[i] = sig;
          b[i] = x * sig * b[i];
        }
        bs.put(os + pos, a, 0, len);
        bh.put(oh + pos, b, 0, len);
      });
    } else {
      DoubleBuffer bg = g.data().asNioDouble();
      DoubleBuffer bu = u.data().asNioDouble();
      DoubleBuffer bh = h.data().asNioDouble();
      DoubleBuffer bs = s.data().asNioDouble();
      int og = off(g), ou = off(u), oh = off(h), os = off(s);
      chunks(n, (pos, len) -> {
        double[] a = Scratch.doubles(0, len);
        double[] b = Scratch.doubles(1, len);
        bg.get(og + pos, a, 0, len);
        bu.get(ou + pos, b, 0, len);
        for (int i = 0; i < len; i++) {
          double x = a[i];
          double sig = 1.0 / (1.0 + Math.exp(-x));
          a[i] = sig;
          b[i] = x * sig * b[i];
        }
        bs.put(os + pos, a, 0, len);
        bh.put(oh + pos, b, 0, len);
      });
    }
  }

  /**
   * Backward of h = silu(g) * u given s = sigmoid(g) from the forward: du = dh * g * s and dg = dh
   * * u * s * (1 + g (1 - s)). Results overwrite {@code dg} and {@code du}. No exponential.
   */
  public static void siluMulBackward(
      INDArray g, INDArray u, INDArray s, INDArray dh, INDArray dg, INDArray du) {
    requireSame(g, u, s, dh, dg, du);
    long n = g.length();
    if (g.dataType() == DataType.FLOAT) {
      FloatBuffer bg = g.data().asNioFloat();
      FloatBuffer bu = u.data().asNioFloat();
      FloatBuffer bs = s.data().asNioFloat();
      FloatBuffer bdh = dh.data().asNioFloat();
      FloatBuffer bdg = dg.data().asNioFloat();
      FloatBuffer bdu = du.data().asNioFloat();
      int og = off(g), ou = off(u), os = off(s), odh = off(dh), odg = off(dg), odu = off(du);
      chunks(n, (pos, len) -> {
        float[] x = Scratch.floats(0, len);
        float[] up = Scratch.floats(1, len);
        float[] sg = Scratch.floats(2, len);
        float[] d = Scratch.floats(3, len);
        bg.get(og + pos, x, 0, len);
        bu.get(ou + pos, up, 0, len);
        bs.get(os + pos, sg, 0, len);
        bdh.get(odh + pos, d, 0, len);
        for (int i = 0; i < len; i++) {
          float gi = x[i];
          float si = sg[i];
          float di = d[i];
          x[i] = di * up[i] * si * (1f + gi * (1f - si));
          up[i] = di * gi * si;
        }
        bdg.put(odg + pos, x, 0, len);
        bdu.put(odu + pos, up, 0, len);
      });
    } else {
      DoubleBuffer bg = g.data().asNioDouble();
      DoubleBuffer bu = u.data().asNioDouble();
      DoubleBuffer bs = s.data().asNioDouble();
      DoubleBuffer bdh = dh.data().asNioDouble();
      DoubleBuffer bdg = dg.data().asNioDouble();
      DoubleBuffer bdu = du.data().asNioDouble();
      int og = off(g), ou = off(u), os = off(s), odh = off(dh), odg = off(dg), odu = off(du);
      chunks(n, (pos, len) -> {
        double[] x = Scratch.doubles(0, len);
        double[] up = Scratch.doubles(1, len);
        double[] sg = Scratch.doubles(2, len);
        double[] d = Scratch.doubles(3, len);
        bg.get(og + pos, x, 0, len);
        bu.get(ou + pos, up, 0, len);
        bs.get(os + pos, sg, 0, len);
        bdh.get(odh + pos, d, 0, len);
        for (int i = 0; i < len; i++) {
          double gi = x[i];
          double si = sg[i];
          double di = d[i];
          x[i] = di * up[i] * si * (1.0 + gi * (1.0 - si));
          up[i] = di * gi * si;
        }
        bdg.put(odg + pos, x, 0, len);
        bdu.put(odu + pos, up, 0, len);
      });
    }
  }

  /**
   * Copies rows {@code rows[i]} of {@code src} [T, d] into row i of {@code dst} [rows.length, d].
   * Same data type; one parallel pass, no ND4J dispatch per row.
   */
  public static void gatherRows(INDArray src, int[] rows, INDArray dst) {
    requireDenseSameType(src, dst);
    int d = (int) src.size(1);
    if (dst.size(0) != rows.length || dst.size(1) != d) {
      throw new IllegalArgumentException("gather destination must be [" + rows.length + ", " + d
          + "], got " + java.util.Arrays.toString(dst.shape()));
    }
    int os = off(src), od = off(dst);
    if (src.dataType() == DataType.FLOAT) {
      FloatBuffer bs = src.data().asNioFloat();
      FloatBuffer bd = dst.data().asNioFloat();
      Parallel.forRange(rows.length, 256, (r0, r1) -> {
        float[] row = Scratch.floats(0, d);
        for (int r = r0; r < r1; r++) {
          bs.get(os + rows[r] * d, row, 0, d);
          bd.put(od + r * d, row, 0, d);
        }
      });
    } else {
      DoubleBuffer bs = src.data().asNioDouble();
      DoubleBuffer bd = dst.data().asNioDouble();
      Parallel.forRange(rows.length, 256, (r0, r1) -> {
        double[] row = Scratch.doubles(0, d);
        for (int r = r0; r < r1; r++) {
          bs.get(os + rows[r] * d, row, 0, d);
          bd.put(od + r * d, row, 0, d);
        }
      });
    }
  }

  /**
   * {@code a += b} element-wise in plain Java, for small arrays where an ND4J op costs more in
   * dispatch than in arithmetic (a decoding step's residual additions). Both dense, the same
   * length and data type (FLOAT or DOUBLE); the same bits as ND4J's {@code addi}, since a float sum
   * computed in double and rounded once to float is the correctly rounded float sum.
   */
  public static void addInPlace(INDArray a, INDArray b) {
    requireDenseSameType(a, b);
    if (a.length() != b.length()) {
      throw new IllegalArgumentException("cannot add " + b.length() + " elements to "
          + a.length());
    }
    int n = Math.toIntExact(a.length());
    int oa = off(a), ob = off(b);
    if (a.dataType() == DataType.FLOAT) {
      FloatBuffer ba = a.data().asNioFloat();
      FloatBuffer bb = b.data().asNioFloat();
      float[] x = Scratch.floats(0, n);
      float[] y = Scratch.floats(1, n);
      ba.get(oa, x, 0, n);
      bb.get(ob, y, 0, n);
      for (int i = 0; i < n; i++) {
        x[i] += y[i];
      }
      ba.put(oa, x, 0, n);
    } else {
      DoubleBuffer ba = a.data().asNioDouble();
      DoubleBuffer bb = b.data().asNioDouble();
      double[] x = Scratch.doubles(0, n);
      double[] y = Scratch.doubles(1, n);
      ba.get(oa, x, 0, n);
      bb.get(ob, y, 0, n);
      for (int i = 0; i < n; i++) {
        x[i] += y[i];
      }
      ba.put(oa, x, 0, n);
    }
  }

  /**
   * {@code acc += sum over rows of m}: the column sums of {@code m} [T, n] (a bias gradient from
   * an output gradient) added to {@code acc} (any shape of n elements, dense, the same data type).
   * Each column is summed in double over rows 0..T-1 in order and added once, so the result is the
   * same bits for any thread count (columns are split between threads, rows never). ND4J's {@code
   * sum(0)} is not used: its float reductions split by ND4J's start-up thread ceiling ({@link
   * Threads}).
   */
  public static void addColumnSums(INDArray m, INDArray acc) {
    if (m.rank() != 2) {
      throw new IllegalArgumentException("column sums need a matrix, got shape "
          + java.util.Arrays.toString(m.shape()));
    }
    if (acc.length() != m.size(1)) {
      throw new IllegalArgumentException("column sums of " + java.util.Arrays.toString(m.shape())
          + " go into " + m.size(1) + " elements, got shape " + java.util.Arrays.toString(acc.shape()));
    }
    INDArray src = dense(m) && m.dataType() == acc.dataType() ? m : m.castTo(acc.dataType()).dup('c');
    Buffers in = Buffers.of(src);
    Buffers out = Buffers.of(acc);
    int rows = (int) src.size(0);
    int cols = (int) src.size(1);
    Parallel.forRange(cols, Math.max(1, CHUNK / Math.max(1, rows)), (c0, c1) -> {
      int w = c1 - c0;
      double[] sum = new double[w];
      double[] row = new double[w];
      for (int r = 0; r < rows; r++) {
        in.read((long) r * cols + c0, row, 0, w);
        for (int j = 0; j < w; j++) {
          sum[j] += row[j];
        }
      }
      out.read(c0, row, 0, w);
      for (int j = 0; j < w; j++) {
        row[j] += sum[j];
      }
      out.write(c0, row, 0, w);
    });
  }

  private static boolean dense(INDArray a) {
    try {
      Buffers.requireDense(a);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @FunctionalInterface
  private interface ChunkBody {
    void run(int pos, int len);
  }

  private static void chunks(long n, ChunkBody body) {
    if (n > Integer.MAX_VALUE - CHUNK) {
      throw new IllegalArgumentException("array too large for the Java kernels: " + n);
    }
    int count = (int) ((n + CHUNK - 1) / CHUNK);
    Parallel.forRange(count, 4, (c0, c1) -> {
      for (int c = c0; c < c1; c++) {
        int pos = c * CHUNK;
        body.run(pos, (int) Math.min(CHUNK, n - pos));
      }
    });
  }

  private static int off(INDArray a) {
    return Math.toIntExact(a.offset());
  }

  private static void requireDenseSameType(INDArray a, INDArray... others) {
    Buffers.requireDense(a);
    if (!Buffers.supports(a.dataType())) {
      throw new IllegalArgumentException("only FLOAT and DOUBLE arrays are supported, got " + a.dataType());
    }
    for (INDArray o : others) {
      Buffers.requireDense(o);
      if (o.dataType() != a.dataType()) {
        throw new IllegalArgumentException("data type mismatch: " + a.dataType() + " vs " + o.dataType());
      }
    }
  }

  private static void requireSame(INDArray a, INDArray... others) {
    requireDenseSameType(a, others);
    for (INDArray o : others) {
      if (o.length() != a.length()) {
        throw new IllegalArgumentException(
            "length mismatch: "
                + java.util.Arrays.toString(a.shape())
                + " vs "
                + java.util.Arrays.toString(o.shape()));
      }
    }
  }
}
