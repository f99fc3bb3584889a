package org.evomoe.examples.model;

import org.evomoe.nn.Linear;
import org.evomoe.nn.Shapes;
import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.FrozenDerived;
import org.evomoe.tensor.FrozenWeights;
import org.evomoe.tensor.Kernels;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.Products;
import org.evomoe.tensor.Scratch;
import org.evomoe.tensor.TransposedWeights;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The query, key and value projections of {@link MultiHeadAttention} run as one product: each
 * forward copies the three weights [nq, d], [nk, d], [nk, d] into one [nq + 2 nk, d] matrix (and
 * the biases, if any, into one vector), so the forward is one gemm and the backward two (the
 * weight gradient and the input gradient), instead of three and six plus two additions. The
 * parameters stay the three {@link Linear}s' own (checkpoints are unchanged); their gradients
 * receive the matching row ranges of the packed weight gradient.
 *
 * <p>The packed copy is made per forward, in the current workspace, so weights changed between
 * steps are always seen. At the demo's sizes the whole attention layer took 0.90-1.02x the CPU
 * of the separate projections (docs/performance.md, "Training step, fourth round"). Sums over the
 * packed width round differently from three products and two additions: the input gradient
 * differs from the separate path's in the last float bits.
 *
 * <p>Decoding ({@link #frozenForward}) uses a transposed copy of the three weights and biases
 * instead, made once per {@link FrozenWeights} scope ({@link TransposedWeights}).
 */
final class QkvProjection {
  private final Linear q;
  private final Linear k;
  private final Linear v;
  private final int d;
  private final int nq;
  private final int nk;
  private final int width; // nq + 2 nk
  private final boolean bias;
  private final FrozenDerived<TransposedWeights> frozen = new FrozenDerived<>();

  // Cached by forward for backward:
  private INDArray x; // [T, d]
  private INDArray packed; // [width, d]

  QkvProjection(Linear q, Linear k, Linear v) {
    if (k.out() != v.out() || q.in() != k.in() || q.in() != v.in()) {
      throw new IllegalArgumentException("query, key and value projections must share their input"
          + " width and the key and value widths must match, got q [" + q.out() + ", " + q.in()
          + "], k [" + k.out() + ", " + k.in() + "], v [" + v.out() + ", " + v.in() + "]");
    }
    if ((q.bias() == null) != (k.bias() == null) || (q.bias() == null) != (v.bias() == null)) {
      throw new IllegalArgumentException("query, key and value projections must all have a bias"
          + " or none");
    }
    this.q = q;
    this.k = k;
    this.v = v;
    this.d = q.in();
    this.nq = q.out();
    this.nk = k.out();
    this.width = nq + 2 * nk;
    this.bias = q.bias() != null;
  }

  /** Width of the fused output: nq + 2 nk. */
  int width() {
    return width;
  }

  /**
   * x [T, d] -> [T, nq + 2 nk]: columns [0, nq) are x Wq^T (+ bq), [nq, nq + nk) x Wk^T (+ bk),
   * [nq + nk, nq + 2 nk) x Wv^T (+ bv).
   */
  INDArray forward(INDArray x) {
    Shapes.requireMatrix(q.weight().name() + " input", x, d);
    this.x = x;
    packed = Nd4j.createUninitialized(x.dataType(), width, d);
    copyRows(q.weight().value(), packed, 0);
    copyRows(k.weight().value(), packed, nq);
    copyRows(v.weight().value(), packed, nq + nk);
    INDArray y = Nd4j.createUninitialized(x.dataType(), x.size(0), width);
    Products.gemm(x, packed, y, false, true, 1.0, 0.0);
    if (bias) {
      INDArray b = Nd4j.createUninitialized(x.dataType(), width);
      copyRows(q.bias().value(), b, 0);
      copyRows(k.bias().value(), b, nq);
      copyRows(v.bias().value(), b, nq + nk);
      y.addiRowVector(b);
    }
    return y;
  }

  /**
   * The inference form of {@link #forward}: inside a {@link FrozenWeights} scope and for at most
   * {@link TransposedWeights#MAX_ROWS} rows, x [T, d] -> [T, nq + 2 nk] (same columns) in plain
   * Java against a transposed copy of the three weights and biases made once per scope; keeps
   * nothing for a backward. Returns null otherwise (the caller runs the projections as it does
   * outside a scope); outside a scope the kept copy is dropped.
   */
  INDArray frozenForward(INDArray x) {
    return frozenForward(x, null);
  }

  /** As {@link #frozenForward(INDArray)}, into {@code out} (dense [T, nq + 2 nk]) unless null. */
  INDArray frozenForward(INDArray x, INDArray out) {
    Shapes.requireMatrix(q.weight().name() + " input", x, d);
    if (FrozenWeights.currentId() == 0) {
      frozen.drop();
      return null;
    }
    if (x.size(0) > TransposedWeights.MAX_ROWS || !TransposedWeights.supports(x.dataType())
        || x.dataType() != q.weight().value().dataType()) {
      return null;
    }
    TransposedWeights t = frozen.get(() -> TransposedWeights.pack(
        new INDArray[] {q.weight().value(), k.weight().value(), v.weight().value()},
        bias ? new INDArray[] {q.bias().value(), k.bias().value(), v.bias().value()} : null));
    INDArray xd = Buffers.isDense(x) ? x : x.dup('c');
    INDArray y = out != null ? out : Nd4j.createUninitialized(x.dataType(), x.size(0), width);
    t.multiply(xd, y);
    return y;
  }

  /** The transposed copy kept from the last scope, or null (tests). */
  TransposedWeights keptTransposed() {
    return frozen.kept();
  }

  /**
   * dy [T, nq + 2 nk] (dense) -> dx [T, d]; accumulates the gradients of the trainable weights
   * and biases.
   */
  INDArray backward(INDArray dy) {
    Shapes.requireForward(q.weight().name() + " (fused projections)", x);
    Shapes.requireShape("fused projections' output gradient", dy, x.size(0), width);
    if (q.weight().trainable() || k.weight().trainable() || v.weight().trainable()) {
      INDArray gw = Nd4j.createUninitialized(dy.dataType(), width, d);
      Products.gemm(dy, x, gw, true, false, 1.0, 0.0);
      addRows(gw, 0, nq, q.weight());
      addRows(gw, nq, nk, k.weight());
      addRows(gw, nq + nk, nk, v.weight());
    }
    if (bias && (q.bias().trainable() || k.bias().trainable() || v.bias().trainable())) {
      INDArray gb = Nd4j.zeros(dy.dataType(), width);
      Kernels.addColumnSums(dy, gb);
      addRows(gb, 0, nq, q.bias());
      addRows(gb, nq, nk, k.bias());
      addRows(gb, nq + nk, nk, v.bias());
    }
    INDArray dx = Nd4j.createUninitialized(dy.dataType(), dy.size(0), d);
    Products.gemm(dy, packed, dx, false, false, 1.0, 0.0);
    return dx;
  }

  /** Copies src (dense, any rank) into dst starting at row {@code row} of dst's first axis. */
  private void copyRows(INDArray src, INDArray dst, int row) {
    long inner = dst.rank() == 1 ? 1 : dst.size(1);
    Buffers s = Buffers.of(src);
    Buffers o = Buffers.of(dst);
    int n = Math.toIntExact(src.length());
    double[] buf = Scratch.doubles(0, n);
    s.read(0, buf, 0, n);
    o.write(row * inner, buf, 0, n);
  }

  /** Adds rows [from, from + count) of the packed gradient g to p's gradient, if p trains. */
  private static void addRows(INDArray g, int from, int count, Parameter p) {
    if (!p.trainable()) {
      return;
    }
    INDArray part = g.rank() == 1
        ? g.get(NDArrayIndex.interval(from, from + count))
        : g.get(NDArrayIndex.interval(from, from + count), NDArrayIndex.all());
    Buffers src = Buffers.of(part);
    Buffers dst = Buffers.of(p.grad());
    int n = Math.toIntExact(part.length());
    double[] a = Scratch.doubles(0, n);
    double[] b = Scratch.doubles(1, n);
    src.read(0, a, 0, n);
    dst.read(0, b, 0, n);
    for (int i = 0; i < n; i++) {
      b[i] += a[i];
    }
    dst.write(0, b, 0, n);
  }
}
