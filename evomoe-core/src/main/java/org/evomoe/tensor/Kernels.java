package org.evomoe.tensor;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fused element-wise kernels in plain Java. ND4J runs sigmoid and exp at about 0.5 Gelem/s and
 * each op costs a dispatch; these fuse a whole SwiGLU activation (forward or backward) into one
 * pass over the buffers.
 */
public final class Kernels {
  private static final int CHUNK = 2048;

  private Kernels() {}

  /** silu(x) = x * sigmoid(x). */
  public static double silu(double x) {
    return x / (1.0 + Math.exp(-x));
  }

  /**
   * h = silu(g) * u, element-wise.
   *
   * @param g gate pre-activations, any shape, dense
   * @param u up projections, same shape
   * @param h output, same shape (may alias neither input)
   */
  public static void siluMul(INDArray g, INDArray u, INDArray h) {
    requireSameLength(g, u, h);
    Buffers bg = Buffers.of(g);
    Buffers bu = Buffers.of(u);
    Buffers bh = Buffers.of(h);
    long n = g.length();
    int chunks = (int) ((n + CHUNK - 1) / CHUNK);
    Parallel.forRange(
        chunks,
        8,
        (c0, c1) -> {
          double[] a = new double[CHUNK];
          double[] b = new double[CHUNK];
          for (int c = c0; c < c1; c++) {
            long pos = (long) c * CHUNK;
            int len = (int) Math.min(CHUNK, n - pos);
            bg.read(pos, a, 0, len);
            bu.read(pos, b, 0, len);
            for (int i = 0; i < len; i++) {
              double x = a[i];
              a[i] = x / (1.0 + Math.exp(-x)) * b[i];
            }
            bh.write(pos, a, 0, len);
          }
        });
  }

  /**
   * Backward of h = silu(g) * u: dg = dh * u * silu'(g), du = dh * silu(g), with silu'(g) =
   * s (1 + g (1 - s)), s = sigmoid(g). Either output may be null to skip it.
   */
  public static void siluMulBackward(
      INDArray g, INDArray u, INDArray dh, INDArray dg, INDArray du) {
    requireSameLength(g, u, dh);
    Buffers bg = Buffers.of(g);
    Buffers bu = Buffers.of(u);
    Buffers bdh = Buffers.of(dh);
    Buffers bdg = dg == null ? null : Buffers.of(dg);
    Buffers bdu = du == null ? null : Buffers.of(du);
    long n = g.length();
    int chunks = (int) ((n + CHUNK - 1) / CHUNK);
    Parallel.forRange(
        chunks,
        8,
        (c0, c1) -> {
          double[] x = new double[CHUNK];
          double[] up = new double[CHUNK];
          double[] d = new double[CHUNK];
          for (int c = c0; c < c1; c++) {
            long pos = (long) c * CHUNK;
            int len = (int) Math.min(CHUNK, n - pos);
            bg.read(pos, x, 0, len);
            bu.read(pos, up, 0, len);
            bdh.read(pos, d, 0, len);
            for (int i = 0; i < len; i++) {
              double gi = x[i];
              double s = 1.0 / (1.0 + Math.exp(-gi));
              double di = d[i];
              x[i] = di * up[i] * s * (1.0 + gi * (1.0 - s)); // dg
              up[i] = di * gi * s; // du
            }
            if (bdg != null) {
              bdg.write(pos, x, 0, len);
            }
            if (bdu != null) {
              bdu.write(pos, up, 0, len);
            }
          }
        });
  }

  private static void requireSameLength(INDArray a, INDArray... others) {
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
