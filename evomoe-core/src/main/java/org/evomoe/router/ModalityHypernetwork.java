package org.evomoe.router;

import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.nn.Linear;
import org.evomoe.nn.Shapes;
import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.FrozenWeights;
import org.evomoe.tensor.Init;
import org.evomoe.tensor.Parallel;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.Products;
import org.evomoe.tensor.ScopedArrays;
import org.evomoe.tensor.TransposedWeights;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One modality's half of the DTR: the hypernetwork H^m (hidden = act(z W1^T + b1), Theta = hidden
 * W2^T + b2) together with the token-specific bottleneck it parameterises, mapping tokens z [n, d]
 * to embeddings e [n, m].
 *
 * <p>Theta_t (length P = 2 r d + m r) is laid out as Theta_down [2r, d] row-major (rows 0..r-1 are
 * SwiGLU's gate, rows r..2r-1 its up half), then Theta_up [m, r] row-major. So W2 is [P, h], its
 * rows j d + i give Theta_down[j, i] and its rows 2 r d + o r + j give Theta_up[o, j].
 *
 * <p>Per token: a = Theta_down z (2r), b = silu(a[0..r)) * a[r..2r) (r), e = Theta_up b (m). The
 * bias b2 is folded into the products by appending a constant 1 to the hidden vector: hidden' =
 * [hidden, 1] (h + 1) and W2' = [W2 | b2] (P x (h + 1)).
 */
final class ModalityHypernetwork {
  private final int d;
  private final int r;
  private final int m;
  private final int h;
  private final int hp; // h + 1
  private final int downSize; // 2 r d
  private final int p; // 2 r d + m r
  private final HyperActivation act;
  private final Linear fc1; // W1 [h, d], b1 [h]
  private final Parameter w2; // [P, h]
  private final Parameter b2; // [P]

  // Cached by forward for backward:
  private ThetaContraction order;
  private INDArray z; // [n, d]
  private INDArray pre; // z W1^T + b1 [n, h]
  private INDArray hid; // [act(pre), 1] [n, h + 1]
  private INDArray packedDown; // CONTRACTED: M [d, 2r (h + 1)]
  private INDArray packedUp; // CONTRACTED: [W2 | b2] rows of Theta_up [m r, h + 1]
  private INDArray packedAll; // MATERIALISED: [W2 | b2] [P, h + 1]
  private INDArray q; // CONTRACTED: z M [n, 2r (h + 1)]
  private INDArray theta; // CONTRACTED: Theta_up [n, m r]; MATERIALISED: Theta [n, P]
  private INDArray a; // Theta_down z [n, 2r]
  private INDArray bMid; // silu(a_gate) * a_up [n, r]

  // Packed [W2 | b2] kept from one forward to the next while a FrozenWeights scope is open, one
  // generation at a time. Outside every workspace; closed (their memory freed at once) when the
  // next forward replaces or drops them. Read only through these fields and, after a forward that
  // used them, through packedDown / packedUp / packedAll (for backward), which every forward
  // resets before it replaces them.
  private long packedScope; // FrozenWeights id the arrays below were built in; 0 = none
  private INDArray frozenDown; // as packedDown
  private INDArray frozenUp; // as packedUp
  private INDArray frozenAll; // as packedAll
  private final ScopedArrays scoped = new ScopedArrays(); // forward's work arrays while decoding
  // The same three in the layout of the plain-Java products of a few rows (TransposedWeights),
  // built with them: forwards of at most TransposedWeights.MAX_ROWS rows in the scope use these.
  private TransposedWeights frozenDownRows; // y = z M
  private TransposedWeights frozenUpRows; // y = hid [W2 | b2]^T
  private TransposedWeights frozenAllRows; // y = hid [W2 | b2]^T

  /**
   * Fresh weights: W1 ~ N(0, 1/d), b1 = 0; W2's Theta_down rows ~ N(0, 1/(h d)) and Theta_up rows
   * ~ N(0, 1/(h r)) (hyperfan-in: generated weights start with variance about 1/fan-in of the
   * layer they parameterise), b2 = 0.
   *
   * @param name parameter prefix, e.g. {@code model.layers.0.mlp.gate.hyper.image}
   * @param dModel d (checked by the caller with {@link DtrConfig#requireFits})
   */
  ModalityHypernetwork(String name, int dModel, DtrConfig c, DataType type, SplittableRandom rng) {
    this.d = dModel;
    this.r = c.rank();
    this.m = c.embedDim();
    this.h = c.hyperHidden();
    this.hp = h + 1;
    this.downSize = 2 * r * d;
    this.p = Math.toIntExact(c.thetaSize(dModel));
    this.act = c.activation();
    this.fc1 = new Linear(name + ".fc1", d, h, true, type, rng);
    INDArray down = Init.normal(rng, 1.0 / Math.sqrt((double) h * d), type, downSize, h);
    INDArray up = Init.normal(rng, 1.0 / Math.sqrt((double) h * r), type, (long) m * r, h);
    INDArray w = Init.zeros(type, p, h);
    Buffers bw = Buffers.of(w);
    copyInto(down, bw, 0);
    copyInto(up, bw, (long) downSize * h);
    this.w2 = new Parameter(name + ".fc2.weight", w, true);
    this.b2 = new Parameter(name + ".fc2.bias", Init.zeros(type, p), true);
  }

  private static void copyInto(INDArray src, Buffers dst, long pos) {
    Buffers s = Buffers.of(src);
    double[] v = new double[Math.toIntExact(src.length())];
    s.read(0, v, 0, v.length);
    dst.write(pos, v, 0, v.length);
  }

  Parameter fc1Weight() {
    return fc1.weight();
  }

  Parameter fc1Bias() {
    return fc1.bias();
  }

  Parameter fc2Weight() {
    return w2;
  }

  Parameter fc2Bias() {
    return b2;
  }

  List<Parameter> parameters() {
    return List.of(fc1.weight(), fc1.bias(), w2, b2);
  }

  /**
   * z [n, d] (dense, c-ordered, n >= 1) -> e [n, m].
   *
   * @param contraction evaluation order of Theta_down z
   */
  INDArray forward(INDArray z, ThetaContraction contraction) {
    DataType type = z.dataType();
    int n = (int) z.size(0);
    this.order = contraction;
    this.z = z;
    packedDown = null; // the previous forward's, possibly a generation reusePacked closes
    packedUp = null;
    packedAll = null;
    boolean reuse = reusePacked(type, contraction);
    // A few rows inside the scope (decoding): plain-Java products on the kept copies, and the
    // intermediate arrays (and e, which the router's phi reads before the next forward) kept for
    // the scope instead of created per forward.
    boolean fewRows = reuse && n <= TransposedWeights.MAX_ROWS && TransposedWeights.supports(type);
    this.pre = fewRows ? fc1.forward(z, scoped.get(7, type, n, h)) : fc1.forward(z);
    this.hid = work(fewRows, 0, type, n, hp);
    activate(pre, hid);
    this.a = work(fewRows, 1, type, n, 2 * r);
    this.bMid = work(fewRows, 2, type, n, r);
    INDArray e = work(fewRows, 3, type, n, m);
    if (contraction == ThetaContraction.CONTRACTED) {
      packedDown = reuse ? frozenDown : packDown(type);
      packedUp = reuse ? frozenUp : packRows(type, downSize, m * r);
      packedAll = null;
      q = work(fewRows, 4, type, n, 2L * r * hp);
      theta = work(fewRows, 5, type, n, (long) m * r);
      if (fewRows) {
        frozenDownRows.multiply(z, q);
        frozenUpRows.multiply(hid, theta);
      } else {
        Products.gemm(z, packedDown, q, false, false, 1.0, 0.0);
        Products.gemm(hid, packedUp, theta, false, true, 1.0, 0.0);
      }
      ContractedKernels.forward(r, m, hp, q, hid, theta, a, bMid, e);
    } else {
      packedAll = reuse ? frozenAll : packRows(type, 0, p);
      packedDown = null;
      packedUp = null;
      q = null;
      theta = work(fewRows, 6, type, n, p);
      if (fewRows) {
        frozenAllRows.multiply(hid, theta);
      } else {
        Products.gemm(hid, packedAll, theta, false, true, 1.0, 0.0);
      }
      forwardMaterialised(n, e);
    }
    return e;
  }

  /** A [rows, cols] work array: kept for the scope ({@link ScopedArrays}) when asked, else new. */
  private INDArray work(boolean kept, int slot, DataType type, long rows, long cols) {
    return kept ? scoped.get(slot, type, rows, cols) : Nd4j.createUninitialized(type, rows, cols);
  }

  /**
   * dE [n, m] -> dz [n, d]; accumulates the gradients of the trainable W1, b1, W2, b2.
   */
  INDArray backward(INDArray dE) {
    Shapes.requireForward("DTR hypernetwork", z);
    Shapes.requireForward("DTR hypernetwork (the forward did not finish)",
        order == ThetaContraction.CONTRACTED ? packedDown : packedAll);
    int n = (int) z.size(0);
    Shapes.requireShape("DTR embedding gradient", dE, n, m);
    DataType type = dE.dataType();
    boolean fc2Trainable = w2.trainable() || b2.trainable();
    INDArray dHid = Nd4j.createUninitialized(type, n, hp);
    INDArray dz = Nd4j.createUninitialized(type, n, d);
    if (order == ThetaContraction.CONTRACTED) {
      INDArray dThetaUp = Nd4j.createUninitialized(type, n, (long) m * r);
      INDArray dq = Nd4j.createUninitialized(type, n, 2L * r * hp);
      ContractedKernels.backward(r, m, hp, dE, a, bMid, theta, q, hid, dThetaUp, dq, dHid);
      if (fc2Trainable) {
        INDArray dPackedDown = Nd4j.createUninitialized(type, d, 2L * r * hp);
        Products.gemm(z, dq, dPackedDown, true, false, 1.0, 0.0);
        unpackDown(dPackedDown);
        INDArray dPackedUp = Nd4j.createUninitialized(type, (long) m * r, hp);
        Products.gemm(dThetaUp, hid, dPackedUp, true, false, 1.0, 0.0);
        unpackRows(dPackedUp, downSize, m * r);
      }
      Products.gemm(dq, packedDown, dz, false, true, 1.0, 0.0);
      Products.gemm(dThetaUp, packedUp, dHid, false, false, 1.0, 1.0);
    } else {
      INDArray dTheta = Nd4j.createUninitialized(type, n, p);
      backwardMaterialised(n, dE, dTheta, dz);
      if (fc2Trainable) {
        INDArray dPacked = Nd4j.createUninitialized(type, p, hp);
        Products.gemm(dTheta, hid, dPacked, true, false, 1.0, 0.0);
        unpackRows(dPacked, 0, p);
      }
      Products.gemm(dTheta, packedAll, dHid, false, false, 1.0, 0.0);
    }
    INDArray dPre = Nd4j.createUninitialized(type, n, h);
    activationBackward(dHid, dPre);
    dz.addi(fc1.backward(dPre));
    return dz;
  }

  // ---- packing of [W2 | b2] -------------------------------------------------------------------

  /**
   * Whether this forward may use the frozen packed arrays, building them first if needed: only
   * inside a {@link FrozenWeights} scope, and only arrays built in that same scope (an id is never
   * reused, so weights changed between scopes are always packed anew). The arrays are allocated
   * outside every workspace, as they outlive the step that builds them; the generation they
   * replace, or the one an unscoped forward drops, is closed here. Called by forward after it has
   * reset packedDown / packedUp / packedAll, so nothing reads a closed generation.
   */
  private boolean reusePacked(DataType type, ThetaContraction contraction) {
    long scope = FrozenWeights.currentId();
    if (scope == 0) {
      closeKeptPacked(); // not needed outside a scope
      return false;
    }
    boolean contracted = contraction == ThetaContraction.CONTRACTED;
    INDArray have = contracted ? frozenDown : frozenAll;
    if (scope == packedScope && have != null && have.dataType() == type) {
      return true;
    }
    closeKeptPacked();
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      if (contracted) {
        frozenDown = packDown(type);
        frozenUp = packRows(type, downSize, m * r);
        frozenAll = null;
      } else {
        frozenAll = packRows(type, 0, p);
        frozenDown = null;
        frozenUp = null;
      }
    }
    if (TransposedWeights.supports(type)) {
      frozenDownRows = contracted ? TransposedWeights.forRightProduct(frozenDown) : null;
      frozenUpRows = contracted ? TransposedWeights.pack(new INDArray[] {frozenUp}, null) : null;
      frozenAllRows = contracted ? null : TransposedWeights.pack(new INDArray[] {frozenAll}, null);
    }
    packedScope = scope;
    return true;
  }

  /** Closes the kept packed arrays (frees their memory now, not when the collector runs). */
  private void closeKeptPacked() {
    for (INDArray kept : keptPacked()) {
      kept.close();
    }
    frozenDown = null;
    frozenUp = null;
    frozenAll = null;
    frozenDownRows = null;
    frozenUpRows = null;
    frozenAllRows = null;
    packedScope = 0;
  }

  /** The packed arrays kept for the current {@link FrozenWeights} generation (tests). */
  List<INDArray> keptPacked() {
    List<INDArray> kept = new java.util.ArrayList<>(2);
    for (INDArray a : new INDArray[] {frozenDown, frozenUp, frozenAll}) {
      if (a != null) {
        kept.add(a);
      }
    }
    return kept;
  }

  /** M [d, 2r (h + 1)]: M[i, j (h + 1) + k] = W2[j d + i, k] (k < h), b2[j d + i] (k = h). */
  private INDArray packDown(DataType type) {
    INDArray out = Nd4j.createUninitialized(type, d, 2L * r * hp);
    Buffers bw = Buffers.of(w2.value());
    Buffers bb = Buffers.of(b2.value());
    Buffers bo = Buffers.of(out);
    int width = 2 * r * hp;
    Parallel.forRange(d, 16, (i0, i1) -> {
      double[] row = new double[width];
      double[] bias = new double[1];
      for (int i = i0; i < i1; i++) {
        for (int j = 0; j < 2 * r; j++) {
          long src = (long) j * d + i;
          bw.read(src * h, row, j * hp, h);
          bb.read(src, bias, 0, 1);
          row[j * hp + h] = bias[0];
        }
        bo.write((long) i * width, row, 0, width);
      }
    });
    return out;
  }

  /** Rows [from, from + count) of [W2 | b2], as a dense [count, h + 1] array. */
  private INDArray packRows(DataType type, int from, int count) {
    INDArray out = Nd4j.createUninitialized(type, count, hp);
    Buffers bw = Buffers.of(w2.value());
    Buffers bo = Buffers.of(out);
    double[] bias = new double[count];
    Buffers.of(b2.value()).read(from, bias, 0, count);
    Parallel.forRange(count, 256, (r0, r1) -> {
      double[] row = new double[hp];
      for (int q = r0; q < r1; q++) {
        bw.read((long) (from + q) * h, row, 0, h);
        row[h] = bias[q];
        bo.write((long) q * hp, row, 0, hp);
      }
    });
    return out;
  }

  /** Adds dM [d, 2r (h + 1)] into the gradients of W2's and b2's Theta_down rows. */
  private void unpackDown(INDArray dPacked) {
    Buffers src = Buffers.of(dPacked);
    Buffers gw = w2.trainable() ? Buffers.of(w2.grad()) : null;
    Buffers gb = b2.trainable() ? Buffers.of(b2.grad()) : null;
    int width = 2 * r * hp;
    // Parallel over j: each j owns W2 rows j d .. j d + d - 1 and the matching b2 entries.
    Parallel.forRange(2 * r, 1, (j0, j1) -> {
      double[] in = new double[width];
      double[] g = new double[h];
      double[] bias = new double[d];
      for (int j = j0; j < j1; j++) {
        if (gb != null) {
          gb.read((long) j * d, bias, 0, d);
        }
        for (int i = 0; i < d; i++) {
          src.read((long) i * width + (long) j * hp, in, 0, hp);
          long row = (long) j * d + i;
          if (gw != null) {
            gw.read(row * h, g, 0, h);
            for (int k = 0; k < h; k++) {
              g[k] += in[k];
            }
            gw.write(row * h, g, 0, h);
          }
          bias[i] += in[h];
        }
        if (gb != null) {
          gb.write((long) j * d, bias, 0, d);
        }
      }
    });
  }

  /** Adds d[W2 | b2] rows [from, from + count) (given as [count, h + 1]) into the gradients. */
  private void unpackRows(INDArray dPacked, int from, int count) {
    Buffers src = Buffers.of(dPacked);
    Buffers gw = w2.trainable() ? Buffers.of(w2.grad()) : null;
    if (gw != null) {
      Parallel.forRange(count, 256, (r0, r1) -> {
        double[] in = new double[hp];
        double[] g = new double[h];
        for (int q = r0; q < r1; q++) {
          src.read((long) q * hp, in, 0, hp);
          long row = from + q;
          gw.read(row * h, g, 0, h);
          for (int k = 0; k < h; k++) {
            g[k] += in[k];
          }
          gw.write(row * h, g, 0, h);
        }
      });
    }
    if (b2.trainable()) {
      Buffers gb = Buffers.of(b2.grad());
      double[] bias = new double[count];
      gb.read(from, bias, 0, count);
      double[] in = new double[hp];
      for (int q = 0; q < count; q++) {
        src.read((long) q * hp, in, 0, hp);
        bias[q] += in[h];
      }
      gb.write(from, bias, 0, count);
    }
  }

  // ---- per-token kernels ------------------------------------------------------------------------

  /** hid = [act(pre), 1]. */
  private void activate(INDArray preAct, INDArray out) {
    int n = (int) preAct.size(0);
    Buffers bp = Buffers.of(preAct);
    Buffers bo = Buffers.of(out);
    Parallel.forRange(n, 64, (t0, t1) -> {
      double[] row = new double[hp];
      for (int t = t0; t < t1; t++) {
        bp.read((long) t * h, row, 0, h);
        for (int k = 0; k < h; k++) {
          row[k] = act.apply(row[k]);
        }
        row[h] = 1.0;
        bo.write((long) t * hp, row, 0, hp);
      }
    });
  }

  /** dPre = dHid[:, :h] * act'(pre). */
  private void activationBackward(INDArray dHid, INDArray dPre) {
    int n = (int) dHid.size(0);
    Buffers bd = Buffers.of(dHid);
    Buffers bp = Buffers.of(pre);
    Buffers bo = Buffers.of(dPre);
    boolean identity = act == HyperActivation.NONE;
    Parallel.forRange(n, 64, (t0, t1) -> {
      double[] g = new double[hp];
      double[] x = new double[h];
      for (int t = t0; t < t1; t++) {
        bd.read((long) t * hp, g, 0, hp);
        if (!identity) {
          bp.read((long) t * h, x, 0, h);
          for (int k = 0; k < h; k++) {
            g[k] *= act.derivative(x[k]);
          }
        }
        bo.write((long) t * h, g, 0, h);
      }
    });
  }

  private void forwardMaterialised(int n, INDArray e) {
    Buffers bth = Buffers.of(theta);
    Buffers bz = Buffers.of(z);
    Buffers ba = Buffers.of(a);
    Buffers bb = Buffers.of(bMid);
    Buffers be = Buffers.of(e);
    Parallel.forRange(n, 32, (t0, t1) -> {
      double[] th = new double[p];
      double[] zv = new double[d];
      double[] av = new double[2 * r];
      double[] bv = new double[r];
      double[] ev = new double[m];
      for (int t = t0; t < t1; t++) {
        bth.read((long) t * p, th, 0, p);
        bz.read((long) t * d, zv, 0, d);
        for (int j = 0; j < 2 * r; j++) {
          double s = 0;
          int base = j * d;
          for (int i = 0; i < d; i++) {
            s += th[base + i] * zv[i];
          }
          av[j] = s;
        }
        ContractedKernels.bottleneck(r, m, av, bv, th, downSize, ev);
        ba.write((long) t * 2 * r, av, 0, 2 * r);
        bb.write((long) t * r, bv, 0, r);
        be.write((long) t * m, ev, 0, m);
      }
    });
  }

  /**
   * Writes dTheta [n, P] (down part dTheta[t, j d + i] = da[t, j] z[t, i], up part de[o] b[j]) and
   * the direct input gradient dz[t, i] = sum_j da[t, j] Theta_down,t[j, i].
   */
  private void backwardMaterialised(int n, INDArray dE, INDArray dTheta, INDArray dz) {
    Buffers bde = Buffers.of(dE);
    Buffers ba = Buffers.of(a);
    Buffers bb = Buffers.of(bMid);
    Buffers bth = Buffers.of(theta);
    Buffers bz = Buffers.of(z);
    Buffers bdt = Buffers.of(dTheta);
    Buffers bdz = Buffers.of(dz);
    Parallel.forRange(n, 32, (t0, t1) -> {
      double[] de = new double[m];
      double[] av = new double[2 * r];
      double[] bv = new double[r];
      double[] th = new double[p];
      double[] dth = new double[p];
      double[] da = new double[2 * r];
      double[] zv = new double[d];
      double[] dzv = new double[d];
      for (int t = t0; t < t1; t++) {
        bde.read((long) t * m, de, 0, m);
        ba.read((long) t * 2 * r, av, 0, 2 * r);
        bb.read((long) t * r, bv, 0, r);
        bth.read((long) t * p, th, 0, p);
        bz.read((long) t * d, zv, 0, d);
        ContractedKernels.bottleneckBackward(r, m, av, bv, th, downSize, de, dth, da);
        java.util.Arrays.fill(dzv, 0);
        for (int j = 0; j < 2 * r; j++) {
          double g = da[j];
          int base = j * d;
          for (int i = 0; i < d; i++) {
            dth[base + i] = g * zv[i];
            dzv[i] += g * th[base + i];
          }
        }
        bdt.write((long) t * p, dth, 0, p);
        bdz.write((long) t * d, dzv, 0, d);
      }
    });
  }
}
