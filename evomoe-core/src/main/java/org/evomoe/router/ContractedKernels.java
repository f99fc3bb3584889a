package org.evomoe.router;

import java.nio.FloatBuffer;
import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.Parallel;
import org.evomoe.tensor.Scratch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The per-token passes of a {@link ThetaContraction#CONTRACTED} hypernetwork, between its gemms.
 * With r the rank, m the embedding width and h' = h + 1 the hidden width with its constant 1:
 *
 * <pre>
 *   forward:  a[t, j]  = sum_k q[t, j h' + k] hid[t, k]              a [n, 2r]
 *             b[t, j]  = silu(a[t, j]) a[t, r + j]                   b [n, r]
 *             e[t, o]  = sum_j thetaUp[t, o r + j] b[t, j]           e [n, m]
 *   backward: dThetaUp[t, o r + j] = dE[t, o] b[t, j]                 [n, m r]
 *             da = SwiGLU backward of db[t, j] = sum_o dE[t, o] thetaUp[t, o r + j]
 *             dq[t, j h' + k] = da[t, j] hid[t, k]                    [n, 2r h']
 *             dHid[t, k] = sum_j da[t, j] q[t, j h' + k]              [n, h']
 * </pre>
 *
 * Every product and sum is taken in double in this order, and each result is rounded once to
 * the arrays' type. FLOAT arrays take a path that reads blocks of tokens straight into float work
 * arrays and widens each value where it is used; it gives the same bits as the generic path
 * ({@link #forwardGeneric}, {@link #backwardGeneric}), which converts whole rows to double first
 * and serves DOUBLE arrays. All arrays are dense and c-ordered.
 */
final class ContractedKernels {
  /** Tokens per block of the float path. */
  private static final int BLOCK = 16;

  private ContractedKernels() {}

  /** The forward pass: writes a, b and e (see the class comment). */
  static void forward(int r, int m, int hp, INDArray q, INDArray hid, INDArray thetaUp,
      INDArray a, INDArray b, INDArray e) {
    if (allFloat(q, hid, thetaUp, a, b, e)) {
      forwardFloat(r, m, hp, q, hid, thetaUp, a, b, e);
    } else {
      forwardGeneric(r, m, hp, q, hid, thetaUp, a, b, e);
    }
  }

  /** The backward pass: writes dThetaUp, dq and dHid (see the class comment). */
  static void backward(int r, int m, int hp, INDArray dE, INDArray a, INDArray b,
      INDArray thetaUp, INDArray q, INDArray hid, INDArray dThetaUp, INDArray dq, INDArray dHid) {
    if (allFloat(dE, a, b, thetaUp, q, hid, dThetaUp, dq, dHid)) {
      backwardFloat(r, m, hp, dE, a, b, thetaUp, q, hid, dThetaUp, dq, dHid);
    } else {
      backwardGeneric(r, m, hp, dE, a, b, thetaUp, q, hid, dThetaUp, dq, dHid);
    }
  }

  private static boolean allFloat(INDArray... xs) {
    for (INDArray x : xs) {
      if (x.dataType() != DataType.FLOAT) {
        return false;
      }
    }
    return true;
  }

  /** b = silu(a[0..r)) * a[r..2r), e = Theta_up b with Theta_up[o, j] = thetaUp[off + o r + j]. */
  static void bottleneck(int r, int m, double[] av, double[] bv, double[] thetaUp, int off,
      double[] ev) {
    for (int j = 0; j < r; j++) {
      double g = av[j];
      bv[j] = g / (1.0 + Math.exp(-g)) * av[r + j];
    }
    for (int o = 0; o < m; o++) {
      double s = 0;
      int base = off + o * r;
      for (int j = 0; j < r; j++) {
        s += thetaUp[base + j] * bv[j];
      }
      ev[o] = s;
    }
  }

  /**
   * Backward of {@link #bottleneck}: from de (m) writes dThetaUp[off + o r + j] = de[o] b[j] and
   * da (2r).
   */
  static void bottleneckBackward(int r, int m, double[] av, double[] bv, double[] thetaUp,
      int off, double[] de, double[] dThetaUp, double[] da) {
    for (int j = 0; j < r; j++) {
      da[j] = 0;
    }
    for (int o = 0; o < m; o++) {
      double g = de[o];
      int base = off + o * r;
      for (int j = 0; j < r; j++) {
        dThetaUp[base + j] = g * bv[j];
        da[j] += g * thetaUp[base + j]; // db[j], turned into da below
      }
    }
    swigluBackward(r, av, da);
  }

  /** da[0..r) holds db on entry; on exit da is the gradient of a (gate half, then up half). */
  private static void swigluBackward(int r, double[] av, double[] da) {
    for (int j = 0; j < r; j++) {
      double db = da[j];
      double g = av[j];
      double u = av[r + j];
      double s = 1.0 / (1.0 + Math.exp(-g));
      da[j] = db * u * s * (1.0 + g * (1.0 - s));
      da[r + j] = db * g * s;
    }
  }

  // ---- generic path (any supported type; converts rows to double) ----------------------------

  static void forwardGeneric(int r, int m, int hp, INDArray q, INDArray hid, INDArray thetaUp,
      INDArray a, INDArray b, INDArray e) {
    int n = (int) q.size(0);
    Buffers bq = Buffers.of(q);
    Buffers bh = Buffers.of(hid);
    Buffers bt = Buffers.of(thetaUp);
    Buffers ba = Buffers.of(a);
    Buffers bb = Buffers.of(b);
    Buffers be = Buffers.of(e);
    int qw = 2 * r * hp;
    int mr = m * r;
    Parallel.forRange(n, 32, (t0, t1) -> {
      double[] qv = new double[qw];
      double[] hv = new double[hp];
      double[] tu = new double[mr];
      double[] av = new double[2 * r];
      double[] bv = new double[r];
      double[] ev = new double[m];
      for (int t = t0; t < t1; t++) {
        bq.read((long) t * qw, qv, 0, qw);
        bh.read((long) t * hp, hv, 0, hp);
        bt.read((long) t * mr, tu, 0, mr);
        for (int j = 0; j < 2 * r; j++) {
          double s = 0;
          int base = j * hp;
          for (int k = 0; k < hp; k++) {
            s += qv[base + k] * hv[k];
          }
          av[j] = s;
        }
        bottleneck(r, m, av, bv, tu, 0, ev);
        ba.write((long) t * 2 * r, av, 0, 2 * r);
        bb.write((long) t * r, bv, 0, r);
        be.write((long) t * m, ev, 0, m);
      }
    });
  }

  static void backwardGeneric(int r, int m, int hp, INDArray dE, INDArray a, INDArray b,
      INDArray thetaUp, INDArray q, INDArray hid, INDArray dThetaUp, INDArray dq, INDArray dHid) {
    int n = (int) q.size(0);
    Buffers bde = Buffers.of(dE);
    Buffers ba = Buffers.of(a);
    Buffers bb = Buffers.of(b);
    Buffers bt = Buffers.of(thetaUp);
    Buffers bq = Buffers.of(q);
    Buffers bh = Buffers.of(hid);
    Buffers bdt = Buffers.of(dThetaUp);
    Buffers bdq = Buffers.of(dq);
    Buffers bdh = Buffers.of(dHid);
    int qw = 2 * r * hp;
    int mr = m * r;
    Parallel.forRange(n, 32, (t0, t1) -> {
      double[] de = new double[m];
      double[] av = new double[2 * r];
      double[] bv = new double[r];
      double[] tu = new double[mr];
      double[] dtu = new double[mr];
      double[] da = new double[2 * r];
      double[] qv = new double[qw];
      double[] hv = new double[hp];
      double[] dqv = new double[qw];
      double[] dhv = new double[hp];
      for (int t = t0; t < t1; t++) {
        bde.read((long) t * m, de, 0, m);
        ba.read((long) t * 2 * r, av, 0, 2 * r);
        bb.read((long) t * r, bv, 0, r);
        bt.read((long) t * mr, tu, 0, mr);
        bottleneckBackward(r, m, av, bv, tu, 0, de, dtu, da);
        bq.read((long) t * qw, qv, 0, qw);
        bh.read((long) t * hp, hv, 0, hp);
        java.util.Arrays.fill(dhv, 0);
        for (int j = 0; j < 2 * r; j++) {
          double g = da[j];
          int base = j * hp;
          for (int k = 0; k < hp; k++) {
            dqv[base + k] = g * hv[k];
            dhv[k] += g * qv[base + k];
          }
        }
        bdt.write((long) t * mr, dtu, 0, mr);
        bdq.write((long) t * qw, dqv, 0, qw);
        bdh.write((long) t * hp, dhv, 0, hp);
      }
    });
  }

  // ---- float path (blocks of tokens, no per-row conversion passes) ---------------------------

  private static FloatBuffer floats(INDArray x) {
    Buffers.requireDense(x);
    return x.data().asNioFloat();
  }

  private static int offset(INDArray x) {
    return Math.toIntExact(x.offset());
  }

  private static void forwardFloat(int r, int m, int hp, INDArray q, INDArray hid,
      INDArray thetaUp, INDArray a, INDArray b, INDArray e) {
    int n = (int) q.size(0);
    FloatBuffer fq = floats(q);
    FloatBuffer fh = floats(hid);
    FloatBuffer ft = floats(thetaUp);
    FloatBuffer fa = floats(a);
    FloatBuffer fb = floats(b);
    FloatBuffer fe = floats(e);
    int oq = offset(q), oh = offset(hid), ot = offset(thetaUp);
    int oa = offset(a), ob = offset(b), oe = offset(e);
    int qw = 2 * r * hp;
    int mr = m * r;
    int r2 = 2 * r;
    Parallel.forRange(n, 32, (t0, t1) -> {
      float[] qb = Scratch.floats(0, BLOCK * qw);
      float[] hb = Scratch.floats(1, BLOCK * hp);
      float[] tb = Scratch.floats(2, BLOCK * mr);
      float[] out = Scratch.floats(3, BLOCK * (r2 + r + m)); // [a | b | e] of the block
      double[] hv = Scratch.doubles(0, hp);
      double[] av = Scratch.doubles(1, r2);
      double[] bv = Scratch.doubles(2, r);
      for (int s0 = t0; s0 < t1; s0 += BLOCK) {
        int cnt = Math.min(BLOCK, t1 - s0);
        fq.get(oq + s0 * qw, qb, 0, cnt * qw);
        fh.get(oh + s0 * hp, hb, 0, cnt * hp);
        ft.get(ot + s0 * mr, tb, 0, cnt * mr);
        int outB = cnt * r2;
        int outE = outB + cnt * r;
        for (int i = 0; i < cnt; i++) {
          int qo = i * qw;
          int ho = i * hp;
          for (int k = 0; k < hp; k++) {
            hv[k] = hb[ho + k];
          }
          for (int j = 0; j < r2; j++) {
            double s = 0;
            int base = qo + j * hp;
            for (int k = 0; k < hp; k++) {
              s += qb[base + k] * hv[k];
            }
            av[j] = s;
            out[i * r2 + j] = (float) s;
          }
          for (int j = 0; j < r; j++) {
            double g = av[j];
            double bj = g / (1.0 + Math.exp(-g)) * av[r + j];
            bv[j] = bj;
            out[outB + i * r + j] = (float) bj;
          }
          int to = i * mr;
          for (int o = 0; o < m; o++) {
            double s = 0;
            int base = to + o * r;
            for (int j = 0; j < r; j++) {
              s += tb[base + j] * bv[j];
            }
            out[outE + i * m + o] = (float) s;
          }
        }
        fa.put(oa + s0 * r2, out, 0, cnt * r2);
        fb.put(ob + s0 * r, out, outB, cnt * r);
        fe.put(oe + s0 * m, out, outE, cnt * m);
      }
    });
  }

  private static void backwardFloat(int r, int m, int hp, INDArray dE, INDArray a, INDArray b,
      INDArray thetaUp, INDArray q, INDArray hid, INDArray dThetaUp, INDArray dq, INDArray dHid) {
    int n = (int) q.size(0);
    FloatBuffer fde = floats(dE);
    FloatBuffer fa = floats(a);
    FloatBuffer fb = floats(b);
    FloatBuffer ft = floats(thetaUp);
    FloatBuffer fq = floats(q);
    FloatBuffer fh = floats(hid);
    FloatBuffer fdt = floats(dThetaUp);
    FloatBuffer fdq = floats(dq);
    FloatBuffer fdh = floats(dHid);
    int ode = offset(dE), oa = offset(a), ob = offset(b), ot = offset(thetaUp);
    int oq = offset(q), oh = offset(hid), odt = offset(dThetaUp), odq = offset(dq);
    int odh = offset(dHid);
    int qw = 2 * r * hp;
    int mr = m * r;
    int r2 = 2 * r;
    // small inputs of a block, one after the other: [dE | a | b | hid], then dHid (output)
    int sDe = 0;
    int sA = sDe + BLOCK * m;
    int sB = sA + BLOCK * r2;
    int sH = sB + BLOCK * r;
    int sDh = sH + BLOCK * hp;
    int small = sDh + BLOCK * hp;
    Parallel.forRange(n, 32, (t0, t1) -> {
      float[] qb = Scratch.floats(0, BLOCK * qw); // q in
      float[] tb = Scratch.floats(1, BLOCK * mr); // thetaUp in, dThetaUp out (read first)
      float[] dqb = Scratch.floats(2, BLOCK * qw); // dq out
      float[] sb = Scratch.floats(3, small);
      double[] hv = Scratch.doubles(0, hp);
      double[] dhv = Scratch.doubles(1, hp);
      double[] bv = Scratch.doubles(2, r);
      double[] da = Scratch.doubles(3, r2);
      for (int s0 = t0; s0 < t1; s0 += BLOCK) {
        int cnt = Math.min(BLOCK, t1 - s0);
        fde.get(ode + s0 * m, sb, sDe, cnt * m);
        fa.get(oa + s0 * r2, sb, sA, cnt * r2);
        fb.get(ob + s0 * r, sb, sB, cnt * r);
        fh.get(oh + s0 * hp, sb, sH, cnt * hp);
        ft.get(ot + s0 * mr, tb, 0, cnt * mr);
        fq.get(oq + s0 * qw, qb, 0, cnt * qw);
        for (int i = 0; i < cnt; i++) {
          for (int j = 0; j < r; j++) {
            bv[j] = sb[sB + i * r + j];
            da[j] = 0;
          }
          int to = i * mr;
          for (int o = 0; o < m; o++) {
            double g = sb[sDe + i * m + o];
            int base = to + o * r;
            for (int j = 0; j < r; j++) {
              double tu = tb[base + j];
              tb[base + j] = (float) (g * bv[j]);
              da[j] += g * tu;
            }
          }
          for (int j = 0; j < r; j++) {
            double db = da[j];
            double g = sb[sA + i * r2 + j];
            double u = sb[sA + i * r2 + r + j];
            double s = 1.0 / (1.0 + Math.exp(-g));
            da[j] = db * u * s * (1.0 + g * (1.0 - s));
            da[r + j] = db * g * s;
          }
          for (int k = 0; k < hp; k++) {
            hv[k] = sb[sH + i * hp + k];
            dhv[k] = 0;
          }
          int qo = i * qw;
          for (int j = 0; j < r2; j++) {
            double g = da[j];
            int base = qo + j * hp;
            for (int k = 0; k < hp; k++) {
              dqb[base + k] = (float) (g * hv[k]);
              dhv[k] += g * qb[base + k];
            }
          }
          for (int k = 0; k < hp; k++) {
            sb[sDh + i * hp + k] = (float) dhv[k];
          }
        }
        fdt.put(odt + s0 * mr, tb, 0, cnt * mr);
        fdq.put(odq + s0 * qw, dqb, 0, cnt * qw);
        fdh.put(odh + s0 * hp, sb, sDh, cnt * hp);
      }
    });
  }
}
