package org.evomoe.examples.model;

import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.Parallel;
import org.evomoe.tensor.Scratch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training attention of {@link MultiHeadAttention} at short sequence lengths in plain Java,
 * per (sequence, key/value head) group: it reads the queries, keys and values straight from the
 * fused projection output {@code [B*S, (H + 2 Hkv) dh]} (RoPE applied to a copy of it), computes
 * the scores, the causal mask, the softmax and {@code P V} and writes the merged heads {@code
 * [B*S, H*dh]}; its backward computes {@code dV = P^T dO}, {@code dP = dO V^T}, {@code dS = P *
 * (dP - rowsum(P * dP)) / sqrt(dh)}, {@code dQ = dS K}, {@code dK = dS^T Q}, applies the inverse
 * rotation and writes the gradient of the fused projection output directly. This replaces the
 * head permutations, the score buffer, the separate softmax passes and six batched ND4J products,
 * and skips the masked half of a causal score matrix (in blocks of four rows).
 *
 * <p>The products are small register-tiled loops (four by four sums at a time). All arithmetic is
 * in double (FLOAT arrays are widened on reading and rounded once on writing; the scores are
 * rounded to float before the softmax, so that overflow shows as on the batched path); every sum runs in
 * a fixed order (over its inner index, ascending, then over the group's heads) on one thread, so
 * results do not depend on the thread count. The rotated projections and the probabilities of the
 * last forward are kept (as doubles, grown on demand) for the backward.
 */
final class FusedAttention {
  /** Multiply-adds per task below which the groups are not split over threads. */
  private static final long TASK_WORK = 1L << 18;

  private final int heads;
  private final int kvHeads;
  private final int headDim;
  private final int group;
  private final double scale;
  private final boolean causal;
  private final RotaryEmbedding rope; // null when disabled

  // Kept by forward for backward:
  private int batch;
  private int seqLen;
  private int[] positions;
  private double[] qkv = new double[0]; // [B*S, (H + 2 Hkv) dh], q and k rotated
  private double[] probs = new double[0]; // [B, H, S, S], zero above the causal diagonal
  private boolean ready;

  FusedAttention(int heads, int kvHeads, int headDim, boolean causal, RotaryEmbedding rope) {
    this.heads = heads;
    this.kvHeads = kvHeads;
    this.headDim = headDim;
    this.group = heads / kvHeads;
    this.scale = 1.0 / Math.sqrt(headDim);
    this.causal = causal;
    this.rope = rope;
  }

  /** Forgets the last forward, so that a backward fails until the next one. */
  void clear() {
    ready = false;
  }

  /** Whether a forward has run since the last {@link #clear}. */
  boolean ready() {
    return ready;
  }

  /**
   * @param x [B*S, (H + 2 Hkv) dh] (dense): queries, keys, values side by side per row
   * @param positions RoPE position of each row (the tables prepared), length B*S
   * @return the merged heads [B*S, H*dh]: columns [h*dh, (h+1)*dh) are head h's output
   */
  INDArray forward(INDArray x, int batch, int seqLen, int[] positions) {
    int dh = headDim;
    int s = seqLen;
    int width = (heads + 2 * kvHeads) * dh;
    int qw = heads * dh;
    int rowCount = batch * s;
    this.batch = batch;
    this.seqLen = s;
    this.positions = positions;
    int n = Math.multiplyExact(rowCount, width);
    if (qkv.length < n) {
      qkv = new double[n];
    }
    int np = Math.multiplyExact(Math.multiplyExact(batch * heads, s), s);
    if (probs.length < np) {
      probs = new double[np];
    }
    double[] a = qkv;
    double[] p = probs;
    Buffers.of(x).read(0, a, 0, n);
    int outLen = rowCount * qw;
    double[] o = Scratch.doubles(0, outLen);
    boolean toFloat = x.dataType() == DataType.FLOAT;
    boolean rotate = rope != null;
    double sc = scale;
    Parallel.forRange(batch * kvHeads, minGroupsPerTask(s), (n0, n1) -> {
      for (int gi = n0; gi < n1; gi++) {
        int b = gi / kvHeads;
        int g = gi % kvHeads;
        int row0 = b * s;
        int kCol = qw + g * dh;
        int vCol = kCol + kvHeads * dh;
        if (rotate) {
          for (int t = 0; t < s; t++) {
            int r = row0 + t;
            for (int hl = 0; hl < group; hl++) {
              rope.rotate(a, r * width + (g * group + hl) * dh, positions[r], false);
            }
            rope.rotate(a, r * width + kCol, positions[r], false);
          }
        }
        for (int hl = 0; hl < group; hl++) {
          int h = g * group + hl;
          int qo = row0 * width + h * dh;
          int po = (b * heads + h) * s * s;
          java.util.Arrays.fill(p, po, po + s * s, 0.0); // the scores accumulate onto it
          for (int t0 = 0; t0 < s; t0 += 4) {
            int mb = Math.min(4, s - t0);
            int keys = causal ? Math.min(s, t0 + 4) : s;
            // scores[t, j] = q[t] . k[j]
            product(a, qo + t0 * width, width, 1, a, row0 * width + kCol, width, 1,
                p, po + t0 * s, s, 1, mb, keys, 0, dh);
          }
          for (int t = 0; t < s; t++) {
            int limit = causal ? t + 1 : s;
            softmaxRow(p, po + t * s, limit, sc, toFloat);
            java.util.Arrays.fill(p, po + t * s + limit, po + (t + 1) * s, 0.0); // masked keys
          }
          int oo = row0 * qw + h * dh;
          for (int t = 0; t < s; t++) {
            java.util.Arrays.fill(o, oo + t * qw, oo + t * qw + dh, 0.0);
          }
          for (int t0 = 0; t0 < s; t0 += 4) {
            int mb = Math.min(4, s - t0);
            int keys = causal ? Math.min(s, t0 + 4) : s;
            // out[t, c] = sum_j P[t, j] v[j, c]
            product(p, po + t0 * s, s, 1, a, row0 * width + vCol, 1, width,
                o, oo + t0 * qw, qw, 1, mb, dh, 0, keys);
          }
        }
      }
    });
    INDArray merged = Nd4j.createUninitialized(x.dataType(), rowCount, qw);
    Buffers.of(merged).write(0, o, 0, outLen);
    ready = true;
    return merged;
  }

  /**
   * Backward of the last {@link #forward}.
   *
   * @param dMerged [B*S, H*dh] (dense), the gradient of the merged heads
   * @return the gradient of the fused projection output [B*S, (H + 2 Hkv) dh]
   */
  INDArray backward(INDArray dMerged) {
    if (!ready) {
      throw new IllegalStateException("attention backward needs a training forward first");
    }
    int dh = headDim;
    int s = seqLen;
    int width = (heads + 2 * kvHeads) * dh;
    int qw = heads * dh;
    int rowCount = batch * s;
    double[] a = qkv;
    double[] p = probs;
    int[] pos = positions;
    int inLen = rowCount * qw;
    int outLen = rowCount * width;
    double[] dO = Scratch.doubles(0, inLen);
    double[] d = Scratch.doubles(1, outLen);
    Buffers.of(dMerged).read(0, dO, 0, inLen);
    java.util.Arrays.fill(d, 0, outLen, 0.0);
    boolean rotate = rope != null;
    double sc = scale;
    int bt = batch;
    Parallel.forRange(bt * kvHeads, minGroupsPerTask(s), (n0, n1) -> {
      double[] dS = new double[s * s];
      for (int gi = n0; gi < n1; gi++) {
        int b = gi / kvHeads;
        int g = gi % kvHeads;
        int row0 = b * s;
        int kCol = qw + g * dh;
        int vCol = kCol + kvHeads * dh;
        for (int hl = 0; hl < group; hl++) {
          int h = g * group + hl;
          int po = (b * heads + h) * s * s;
          int oo = row0 * qw + h * dh;
          int qo = row0 * width + h * dh;
          java.util.Arrays.fill(dS, 0.0);
          for (int t0 = 0; t0 < s; t0 += 4) {
            int mb = Math.min(4, s - t0);
            int keys = causal ? Math.min(s, t0 + 4) : s;
            // dP[t, j] = dO[t] . v[j]
            product(dO, oo + t0 * qw, qw, 1, a, row0 * width + vCol, width, 1,
                dS, t0 * s, s, 1, mb, keys, 0, dh);
          }
          for (int t = 0; t < s; t++) {
            int limit = causal ? t + 1 : s;
            int pr = po + t * s;
            int dr = t * s;
            double dot = 0;
            for (int j = 0; j < limit; j++) {
              dot += p[pr + j] * dS[dr + j];
            }
            for (int j = 0; j < limit; j++) {
              dS[dr + j] = p[pr + j] * (dS[dr + j] - dot) * sc;
            }
            java.util.Arrays.fill(dS, dr + limit, dr + s, 0.0);
          }
          for (int t0 = 0; t0 < s; t0 += 4) {
            int mb = Math.min(4, s - t0);
            int keys = causal ? Math.min(s, t0 + 4) : s;
            // dQ[t, c] = sum_j dS[t, j] k[j, c]
            product(dS, t0 * s, s, 1, a, row0 * width + kCol, 1, width,
                d, qo + t0 * width, width, 1, mb, dh, 0, keys);
          }
          for (int j0 = 0; j0 < s; j0 += 4) {
            int mb = Math.min(4, s - j0);
            int from = causal ? j0 : 0;
            // dK[j, c] += sum_t dS[t, j] q[t, c]; dV[j, c] += sum_t P[t, j] dO[t, c]
            product(dS, j0, 1, s, a, qo, 1, width,
                d, (row0 + j0) * width + kCol, width, 1, mb, dh, from, s);
            product(p, po + j0, 1, s, dO, oo, 1, qw,
                d, (row0 + j0) * width + vCol, width, 1, mb, dh, from, s);
          }
        }
        if (rotate) {
          for (int t = 0; t < s; t++) {
            int r = row0 + t;
            for (int hl = 0; hl < group; hl++) {
              rope.rotate(d, r * width + (g * group + hl) * dh, pos[r], true);
            }
            rope.rotate(d, r * width + kCol, pos[r], true);
          }
        }
      }
    });
    INDArray dQkv = Nd4j.createUninitialized(dMerged.dataType(), rowCount, width);
    Buffers.of(dQkv).write(0, d, 0, outLen);
    return dQkv;
  }

  /**
   * Masked, scaled softmax of row {@code x[o .. o + limit)} in place. With {@code toFloat} each
   * score is first rounded to float, as a float product's output would be: a score that overflows
   * float becomes infinite (and the softmax NaN) as on the batched path.
   */
  private static void softmaxRow(double[] x, int o, int limit, double sc, boolean toFloat) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < limit; j++) {
      x[o + j] = (toFloat ? (float) x[o + j] : x[o + j]) * sc;
      max = Math.max(max, x[o + j]);
    }
    double sum = 0;
    for (int j = 0; j < limit; j++) {
      x[o + j] = Math.exp(x[o + j] - max);
      sum += x[o + j];
    }
    double inv = 1.0 / sum;
    for (int j = 0; j < limit; j++) {
      x[o + j] *= inv;
    }
  }

  /**
   * {@code c[i, j] += sum over k in [k0, k1) of a[i, k] * b[j, k]} for {@code i < m <= 4, j < n},
   * where {@code x[i, k]} is {@code x[xo + i * xi + k * xk]}; each sum adds its terms in the order
   * of k, starting from the value in c. Four columns at a time in sixteen register sums.
   */
  static void product(double[] a, int ao, int ai, int ak, double[] b, int bo, int bj, int bk,
      double[] c, int co, int ci, int cj, int m, int n, int k0, int k1) {
    int j = 0;
    if (m == 4) {
      for (; j + 4 <= n; j += 4) {
        int c0 = co + j * cj;
        int c1 = c0 + ci;
        int c2 = c1 + ci;
        int c3 = c2 + ci;
        double s00 = c[c0], s01 = c[c0 + cj], s02 = c[c0 + 2 * cj], s03 = c[c0 + 3 * cj];
        double s10 = c[c1], s11 = c[c1 + cj], s12 = c[c1 + 2 * cj], s13 = c[c1 + 3 * cj];
        double s20 = c[c2], s21 = c[c2 + cj], s22 = c[c2 + 2 * cj], s23 = c[c2 + 3 * cj];
        double s30 = c[c3], s31 = c[c3 + cj], s32 = c[c3 + 2 * cj], s33 = c[c3 + 3 * cj];
        int bb = bo + j * bj;
        for (int k = k0; k < k1; k++) {
          int ka = ao + k * ak;
          int kb = bb + k * bk;
          double a0 = a[ka];
          double a1 = a[ka + ai];
          double a2 = a[ka + 2 * ai];
          double a3 = a[ka + 3 * ai];
          double b0 = b[kb];
          double b1 = b[kb + bj];
          double b2 = b[kb + 2 * bj];
          double b3 = b[kb + 3 * bj];
          s00 += a0 * b0;
          s01 += a0 * b1;
          s02 += a0 * b2;
          s03 += a0 * b3;
          s10 += a1 * b0;
          s11 += a1 * b1;
          s12 += a1 * b2;
          s13 += a1 * b3;
          s20 += a2 * b0;
          s21 += a2 * b1;
          s22 += a2 * b2;
          s23 += a2 * b3;
          s30 += a3 * b0;
          s31 += a3 * b1;
          s32 += a3 * b2;
          s33 += a3 * b3;
        }
        c[c0] = s00;
        c[c0 + cj] = s01;
        c[c0 + 2 * cj] = s02;
        c[c0 + 3 * cj] = s03;
        c[c1] = s10;
        c[c1 + cj] = s11;
        c[c1 + 2 * cj] = s12;
        c[c1 + 3 * cj] = s13;
        c[c2] = s20;
        c[c2 + cj] = s21;
        c[c2 + 2 * cj] = s22;
        c[c2 + 3 * cj] = s23;
        c[c3] = s30;
        c[c3 + cj] = s31;
        c[c3 + 2 * cj] = s32;
        c[c3 + 3 * cj] = s33;
      }
    }
    for (int i = 0; i < m; i++) {
      int ra = ao + i * ai;
      for (int jj = j; jj < n; jj++) {
        int cc = co + i * ci + jj * cj;
        int rb = bo + jj * bj;
        double sum = c[cc];
        for (int k = k0; k < k1; k++) {
          sum += a[ra + k * ak] * b[rb + k * bk];
        }
        c[cc] = sum;
      }
    }
  }

  /** Groups per task such that a task holds at least {@link #TASK_WORK} multiply-adds. */
  private int minGroupsPerTask(int s) {
    long perGroup = 3L * group * s * s * headDim;
    return (int) Math.max(1, TASK_WORK / Math.max(1, perGroup));
  }
}
