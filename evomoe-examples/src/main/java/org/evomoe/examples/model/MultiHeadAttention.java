package org.evomoe.examples.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.nn.Layer;
import org.evomoe.nn.Linear;
import org.evomoe.nn.Shapes;
import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.Parallel;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.Products;
import org.evomoe.tensor.ScopedArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Multi-head scaled dot-product self-attention with optional grouped-query attention (GQA), RoPE
 * and causal masking, with a hand-written backward.
 *
 * <p>Layout: a batch of B sequences of length S is a matrix {@code x [B*S, d]}, row {@code b*S +
 * s} holding token s of sequence b. The projections give {@code q [B*S, H*dh]} and {@code k, v
 * [B*S, Hkv*dh]} (in training as one product, {@link QkvProjection}); these are permuted (plain Java, RoPE applied on the way) into head layout {@code
 * [B, heads, S, dh]}. Because query head h uses key/value head {@code h / G} (G = H / Hkv, Hugging
 * Face's repeat_kv), the queries of one group are contiguous and the query tensor is viewed as
 * {@code [B*Hkv, G*S, dh]}: one batched product per step computes every group's scores {@code
 * [B*Hkv, G*S, L]} against the shared keys {@code [B*Hkv, L, dh]} without copying the keys G
 * times, and the backward's products sum the G query heads' contributions to dK and dV for free.
 *
 * <p>Forward: {@code P = softmax(mask(Q K^T / sqrt(dh)))}, {@code O = P V}, {@code y = o_proj(O)}.
 * Backward: {@code dV = P^T dO}, {@code dP = dO V^T}, {@code dS = P * (dP - rowsum(P * dP)) /
 * sqrt(dh)}, {@code dQ = dS K}, {@code dK = dS^T Q}, then the inverse rotation and the projections'
 * backward. The products are ND4J batched matmuls with transpose flags; softmax and its backward
 * are one Java pass over the score buffer. In training, sequences of at most {@link
 * #FUSED_MAX_SEQ_LEN} positions take {@link FusedAttention} instead: the same computation in one
 * plain-Java pass per (sequence, key/value head) group straight from the fused projection output,
 * without the head permutations and the batched products.
 *
 * <p>Parameter names: {@code prefix.q_proj.weight [H*dh, d]}, {@code prefix.k_proj.weight
 * [Hkv*dh, d]}, {@code prefix.v_proj.weight [Hkv*dh, d]}, {@code prefix.<outputName>.weight [d,
 * H*dh]} (LLaMA: {@code o_proj}; CLIP: {@code out_proj}), plus {@code .bias} when configured.
 */
public final class MultiHeadAttention implements Layer {
  /**
   * Longest sequence for which training runs {@link FusedAttention} instead of the batched
   * products (docs/performance.md, "Training attention at small sequence lengths").
   */
  static final int FUSED_MAX_SEQ_LEN = 64;

  private final AttentionConfig config;
  private final int heads;
  private final int kvHeads;
  private final int headDim;
  private final int group;
  private final double scale;
  private final RotaryEmbedding rope; // null when disabled
  private final Linear q;
  private final Linear k;
  private final Linear v;
  private final Linear o;
  private final QkvProjection qkv; // q, k and v as one product (training forward and backward)
  private final FusedAttention fused; // the training path for seqLen <= fusedMaxSeqLen
  private final ScopedArrays scoped = new ScopedArrays(); // forwardCached's arrays while decoding
  private int fusedMaxSeqLen = FUSED_MAX_SEQ_LEN;

  // Cached by the training forward for backward:
  private int batch;
  private int seqLen;
  private int[] positions;
  private INDArray qh; // [B*Hkv, G*S, dh], rotated
  private INDArray kh; // [B*Hkv, S, dh], rotated
  private INDArray vh; // [B*Hkv, S, dh]
  private INDArray probs; // [B*Hkv, G*S, S]

  /**
   * Fresh projections, weights ~ N(0, 1/fan_in), biases zero.
   *
   * @param prefix parameter prefix, e.g. {@code model.layers.0.self_attn}
   * @param outputName name of the output projection: {@code o_proj} (LLaMA) or {@code out_proj}
   *     (CLIP)
   */
  public MultiHeadAttention(
      String prefix, String outputName, AttentionConfig config, DataType type, SplittableRandom rng) {
    this.config = config;
    this.heads = config.numHeads();
    this.kvHeads = config.numKvHeads();
    this.headDim = config.headDim();
    this.group = config.groupSize();
    this.scale = 1.0 / Math.sqrt(headDim);
    this.rope = config.ropeTheta() > 0 ? new RotaryEmbedding(headDim, config.ropeTheta()) : null;
    int d = config.dModel();
    boolean bias = config.bias();
    this.q = new Linear(prefix + ".q_proj", d, heads * headDim, bias, type, rng);
    this.k = new Linear(prefix + ".k_proj", d, kvHeads * headDim, bias, type, rng);
    this.v = new Linear(prefix + ".v_proj", d, kvHeads * headDim, bias, type, rng);
    this.o = new Linear(prefix + "." + outputName, heads * headDim, d, bias, type, rng);
    this.qkv = new QkvProjection(q, k, v);
    this.fused = new FusedAttention(heads, kvHeads, headDim, config.causal(), rope);
  }

  /**
   * Sets the longest sequence length trained with the fused kernel (0: never); for tests that
   * compare the two paths.
   */
  void fusedMaxSeqLen(int maxSeqLen) {
    this.fusedMaxSeqLen = maxSeqLen;
  }

  public AttentionConfig config() {
    return config;
  }

  public Linear qProj() {
    return q;
  }

  public Linear kProj() {
    return k;
  }

  public Linear vProj() {
    return v;
  }

  public Linear oProj() {
    return o;
  }

  /** The rotary embedding, or null when RoPE is disabled. */
  public RotaryEmbedding rope() {
    return rope;
  }

  /**
   * Attention within each sequence, positions 0..S-1.
   *
   * @param x [B*S, d], batch-first rows
   * @return [B*S, d]
   */
  public INDArray forward(INDArray x, int batch, int seqLen) {
    return forward(x, batch, seqLen, defaultPositions(batch, seqLen, 0));
  }

  /**
   * Attention within each sequence with explicit RoPE positions (the causal mask always uses the
   * row index within the sequence).
   *
   * @param x [B*S, d], batch-first rows
   * @param positions RoPE position of each row, length B*S (ignored without RoPE, but checked)
   * @return [B*S, d]
   */
  public INDArray forward(INDArray x, int batch, int seqLen, int[] positions) {
    requireLayout(x, batch, seqLen);
    int rows = batch * seqLen;
    checkPositions(positions, rows);
    INDArray qkvp = qkv.forward(x); // [B*S, (H + 2 Hkv) dh]: queries, keys, values
    int qw = heads * headDim;
    int kw = kvHeads * headDim;
    this.batch = batch;
    this.seqLen = seqLen;
    this.positions = positions.clone();
    if (seqLen <= fusedMaxSeqLen) {
      qh = null;
      kh = null;
      vh = null;
      probs = null;
      return o.forward(fused.forward(qkvp, batch, seqLen, this.positions));
    }
    fused.clear();
    qh = toHeads(qkvp, 0, batch, seqLen, heads, positions, batch * kvHeads, group * seqLen);
    kh = toHeads(qkvp, qw, batch, seqLen, kvHeads, positions, batch * kvHeads, seqLen);
    vh = toHeads(qkvp, qw + kw, batch, seqLen, kvHeads, null, batch * kvHeads, seqLen);
    INDArray scores = bmm(qh, kh, false, true, batch * kvHeads, group * seqLen, seqLen);
    softmaxInPlace(scores, seqLen, 0);
    probs = scores;
    INDArray oh = bmm(probs, vh, false, false, batch * kvHeads, group * seqLen, headDim);
    INDArray merged = Nd4j.createUninitialized(oh.dataType(), (long) batch * seqLen, heads * headDim);
    fromHeads(oh, merged, 0, batch, seqLen, heads, null);
    return o.forward(merged);
  }

  /**
   * Backward of the last {@link #forward}: accumulates the projections' gradients.
   *
   * @param dy [B*S, d]
   * @return dx [B*S, d]
   */
  public INDArray backward(INDArray dy) {
    Shapes.requireForward(o.weight().name() + " (attention; a cached forward has no backward)",
        fused.ready() ? dy : probs);
    int rows = batch * seqLen;
    Shapes.requireShape("attention output gradient", dy, rows, config.dModel());
    if (fused.ready()) {
      return qkv.backward(fused.backward(o.backward(dy)));
    }
    int bh = batch * kvHeads;
    INDArray dMerged = o.backward(dy);
    INDArray dOh = toHeads(dMerged, 0, batch, seqLen, heads, null, bh, group * seqLen);
    INDArray dV = bmm(probs, dOh, true, false, bh, seqLen, headDim);
    INDArray dS = bmm(dOh, vh, false, true, bh, group * seqLen, seqLen);
    softmaxBackwardInPlace(probs, dS);
    INDArray dQ = bmm(dS, kh, false, false, bh, group * seqLen, headDim);
    INDArray dK = bmm(dS, qh, true, false, bh, seqLen, headDim);
    int qw = heads * headDim;
    int kw = kvHeads * headDim;
    INDArray dQkv = Nd4j.createUninitialized(dy.dataType(), rows, qkv.width());
    fromHeads(dQ, dQkv, 0, batch, seqLen, heads, positions);
    fromHeads(dK, dQkv, qw, batch, seqLen, kvHeads, positions);
    fromHeads(dV, dQkv, qw + kw, batch, seqLen, kvHeads, null);
    return qkv.backward(dQkv);
  }

  /**
   * Incremental (inference) forward: the chunk's rows attend causally to the cached keys and values
   * of layer {@code layer} and to each other; its keys and values are appended to the cache. RoPE
   * positions are {@code cache.length() + i}. The caller advances the cache length once every layer
   * has run ({@link KvCache}). No backward follows a cached forward.
   *
   * @param x [B*newLen, d], batch-first rows of the new tokens
   * @return [B*newLen, d]
   */
  public INDArray forwardCached(INDArray x, int batch, int newLen, KvCache cache, int layer) {
    return forwardCached(x, batch, newLen, cache, layer, null);
  }

  /**
   * As {@link #forwardCached(INDArray, int, int, KvCache, int)}, the output written into {@code
   * out} (dense [B*newLen, d], x's data type) unless it is null.
   */
  INDArray forwardCached(
      INDArray x, int batch, int newLen, KvCache cache, int layer, INDArray out) {
    if (!config.causal()) {
      throw new IllegalStateException("a key/value cache needs causal attention");
    }
    requireLayout(x, batch, newLen);
    cache.requireBatch(batch);
    int offset = cache.length();
    int bh = batch * kvHeads;
    if (offset > 0) {
      requireCacheBuffer("keys", cache.keyBuffer(layer), layer, bh, offset);
      requireCacheBuffer("values", cache.valueBuffer(layer), layer, bh, offset);
    }
    int[] pos = defaultPositions(batch, newLen, offset);
    checkPositions(pos, batch * newLen);
    INDArray qhNew;
    INDArray kNew;
    INDArray vNew;
    // Decoding (a few rows in a FrozenWeights scope): the projected rows and the head-layout
    // arrays are kept for the scope and reused on every token; none of them leaves this forward.
    DataType type = x.dataType();
    boolean keep = ScopedArrays.keeps(x.size(0), type);
    // One product while the weights are frozen, else null.
    INDArray qkvRows =
        qkv.frozenForward(x, keep ? scoped.get(5, type, x.size(0), qkv.width()) : null);
    INDArray qDst = headArray(keep, 0, type, bh, group * newLen);
    INDArray kDst = headArray(keep, 1, type, bh, newLen);
    INDArray vDst = headArray(keep, 2, type, bh, newLen);
    if (qkvRows != null) {
      int qw = heads * headDim;
      qhNew = toHeads(qkvRows, 0, batch, newLen, heads, pos, qDst);
      kNew = toHeads(qkvRows, qw, batch, newLen, kvHeads, pos, kDst);
      vNew = toHeads(qkvRows, qw + kvHeads * headDim, batch, newLen, kvHeads, null, vDst);
    } else {
      qhNew = toHeads(q.forward(x), 0, batch, newLen, heads, pos, qDst);
      kNew = toHeads(k.forward(x), 0, batch, newLen, kvHeads, pos, kDst);
      vNew = toHeads(v.forward(x), 0, batch, newLen, kvHeads, null, vDst);
    }
    cache.appendRows(layer, kNew, vNew);
    int total = offset + newLen;
    // A handful of query rows per slice: one Java pass over the cache buffers (scores, mask,
    // softmax, weighted values) costs less than the two batched products' dispatch.
    INDArray oh = headArray(keep, 3, type, bh, group * newLen);
    AttentionKernel.cachedForward(qhNew, cache, layer, total, newLen, offset, scale, oh);
    probs = null; // a cached forward cannot be differentiated
    fused.clear();
    qh = null;
    kh = null;
    vh = null;
    INDArray merged = keep
        ? scoped.get(4, type, (long) batch * newLen, heads * headDim)
        : Nd4j.createUninitialized(type, (long) batch * newLen, heads * headDim);
    fromHeads(oh, merged, 0, batch, newLen, heads, null);
    return out == null ? o.forward(merged) : o.forward(merged, out);
  }

  /** A [d0, d1, dh] array: kept for the scope ({@link ScopedArrays}) when asked, else new. */
  private INDArray headArray(boolean keep, int slot, DataType type, long d0, long d1) {
    return keep
        ? scoped.get(slot, type, d0, d1, headDim)
        : Nd4j.createUninitialized(type, d0, d1, headDim);
  }

  /** Throws unless a cache buffer is [bh, capacity >= offset, dh]. */
  private void requireCacheBuffer(String what, INDArray buf, int layer, int bh, int offset) {
    if (buf == null || buf.rank() != 3 || buf.size(0) != bh || buf.size(1) < offset
        || buf.size(2) != headDim) {
      throw new IllegalArgumentException("cached " + what + " of layer " + layer + " must hold ["
          + bh + ", " + offset + ", " + headDim + "], got "
          + (buf == null ? "none" : java.util.Arrays.toString(buf.shape())));
    }
  }

  private void requireLayout(INDArray x, int batch, int seqLen) {
    if (batch <= 0 || seqLen <= 0) {
      throw new IllegalArgumentException(
          "batch and sequence length must be positive, got batch=" + batch + " seqLen=" + seqLen);
    }
    Shapes.requireMatrix(q.weight().name() + " input", x, config.dModel());
    if (x.size(0) != (long) batch * seqLen) {
      throw new IllegalArgumentException(
          "attention input has " + x.size(0) + " rows, expected batch * seqLen = " + batch + " * "
              + seqLen);
    }
  }

  private void checkPositions(int[] positions, int rows) {
    if (rope != null) {
      rope.requirePositions(positions, rows);
    } else if (positions == null || positions.length != rows) {
      throw new IllegalArgumentException(
          "positions must have one entry per row (" + rows + "), got "
              + (positions == null ? "null" : positions.length));
    }
  }

  /** Positions offset + s for row b*S + s. */
  static int[] defaultPositions(int batch, int seqLen, int offset) {
    int[] p = new int[batch * seqLen];
    for (int b = 0; b < batch; b++) {
      for (int s = 0; s < seqLen; s++) {
        p[b * seqLen + s] = offset + s;
      }
    }
    return p;
  }

  /**
   * Columns [colOffset, colOffset + nh*dh) of src [B*S, any width] -> head layout [B, nh, S, dh]
   * stored with shape [d0, d1, dh] (d0*d1 = B*nh*S), rotating each head vector by its row's
   * position when {@code rotatePositions} is not null.
   */
  private INDArray toHeads(INDArray src, int colOffset, int batch, int seq, int nh,
      int[] rotatePositions, int d0, int d1) {
    return toHeads(src, colOffset, batch, seq, nh, rotatePositions,
        Nd4j.createUninitialized(src.dataType(), d0, d1, headDim));
  }

  /** As above, into {@code dst} (dense, [d0, d1, dh], src's data type), which it returns. */
  private INDArray toHeads(INDArray src, int colOffset, int batch, int seq, int nh,
      int[] rotatePositions, INDArray dst) {
    INDArray s = src.isView() || src.ordering() != 'c' ? src.dup('c') : src;
    int width = nh * headDim;
    int srcWidth = (int) s.size(1);
    Buffers bs = Buffers.of(s);
    Buffers bd = Buffers.of(dst);
    boolean rotate = rotatePositions != null && rope != null;
    Parallel.forRange(batch * seq, 32, (r0, r1) -> {
      double[] row = new double[width];
      for (int r = r0; r < r1; r++) {
        int b = r / seq;
        int t = r % seq;
        bs.read((long) r * srcWidth + colOffset, row, 0, width);
        for (int h = 0; h < nh; h++) {
          if (rotate) {
            rope.rotate(row, h * headDim, rotatePositions[r], false);
          }
          bd.write((((long) b * nh + h) * seq + t) * headDim, row, h * headDim, headDim);
        }
      }
    });
    return dst;
  }

  /**
   * Head layout [B, nh, S, dh] (any 3-d shape over the same memory) -> columns [colOffset,
   * colOffset + nh*dh) of dst [B*S, any width] (dense), applying the inverse rotation when {@code
   * inversePositions} is not null (the backward of the RoPE in {@link #toHeads}).
   */
  private void fromHeads(INDArray src, INDArray dst, int colOffset, int batch, int seq, int nh,
      int[] inversePositions) {
    INDArray s = src.isView() || src.ordering() != 'c' ? src.dup('c') : src;
    int width = nh * headDim;
    int dstWidth = (int) dst.size(1);
    Buffers bs = Buffers.of(s);
    Buffers bd = Buffers.of(dst);
    boolean rotate = inversePositions != null && rope != null;
    Parallel.forRange(batch * seq, 32, (r0, r1) -> {
      double[] row = new double[width];
      for (int r = r0; r < r1; r++) {
        int b = r / seq;
        int t = r % seq;
        for (int h = 0; h < nh; h++) {
          bs.read((((long) b * nh + h) * seq + t) * headDim, row, h * headDim, headDim);
          if (rotate) {
            rope.rotate(row, h * headDim, inversePositions[r], true);
          }
        }
        bd.write((long) r * dstWidth + colOffset, row, 0, width);
      }
    });
  }

  /** [n, L, dh] followed by [n, m, dh] along the middle axis -> [n, L+m, dh]. */
  private static INDArray bmm(
      INDArray a, INDArray b, boolean transA, boolean transB, long n, long rows, long cols) {
    INDArray out = Nd4j.createUninitialized(a.dataType(), n, rows, cols);
    Products.batchedMatmul(a, b, out, transA, transB);
    return out;
  }

  /**
   * Masked, scaled softmax over the last axis of scores [n, R, L], R = G * newLen, in place. Row r
   * of a slice is query {@code i = r % newLen} at absolute index {@code offset + i}; with causal
   * masking it sees keys {@code 0 .. offset + i}, the others get probability 0.
   */
  private void softmaxInPlace(INDArray scores, int newLen, int offset) {
    int rowsPerSlice = (int) scores.size(1);
    int len = (int) scores.size(2);
    int total = (int) scores.size(0) * rowsPerSlice;
    boolean causal = config.causal();
    double sc = scale;
    Buffers b = Buffers.of(scores);
    Parallel.forRange(total, 16, (r0, r1) -> {
      double[] row = new double[len];
      for (int r = r0; r < r1; r++) {
        int i = (r % rowsPerSlice) % newLen;
        int limit = causal ? Math.min(len, offset + i + 1) : len;
        b.read((long) r * len, row, 0, len);
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < limit; j++) {
          row[j] *= sc;
          max = Math.max(max, row[j]);
        }
        double sum = 0;
        for (int j = 0; j < limit; j++) {
          row[j] = Math.exp(row[j] - max);
          sum += row[j];
        }
        double inv = 1.0 / sum;
        for (int j = 0; j < limit; j++) {
          row[j] *= inv;
        }
        java.util.Arrays.fill(row, limit, len, 0.0);
        b.write((long) r * len, row, 0, len);
      }
    });
  }

  /** dP -> dS = P * (dP - rowsum(P * dP)) * scale, in place over {@code dP}. */
  private void softmaxBackwardInPlace(INDArray p, INDArray dP) {
    int len = (int) p.size(2);
    int total = (int) (p.size(0) * p.size(1));
    double sc = scale;
    Buffers bp = Buffers.of(p);
    Buffers bd = Buffers.of(dP);
    Parallel.forRange(total, 16, (r0, r1) -> {
      double[] pr = new double[len];
      double[] dr = new double[len];
      for (int r = r0; r < r1; r++) {
        bp.read((long) r * len, pr, 0, len);
        bd.read((long) r * len, dr, 0, len);
        double dot = 0;
        for (int j = 0; j < len; j++) {
          dot += pr[j] * dr[j];
        }
        for (int j = 0; j < len; j++) {
          dr[j] = pr[j] * (dr[j] - dot) * sc;
        }
        bd.write((long) r * len, dr, 0, len);
      }
    });
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>();
    ps.addAll(q.parameters());
    ps.addAll(k.parameters());
    ps.addAll(v.parameters());
    ps.addAll(o.parameters());
    return ps;
  }
}
