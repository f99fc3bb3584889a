package org.evomoe.examples.model;

import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.golden.GoldenFixture;
import org.evomoe.golden.GoldenFixture.Precision;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Decoder attention (RoPE in the rotate_half convention, grouped-query heads, causal mask) against
 * PyTorch (src-test-data/golden, docs/golden-tests.md).
 *
 * <ul>
 *   <li>{@code attention}: 2 right-padded sequences (lengths 5 and 3), 4 query heads on 2
 *       key/value heads, head width 8. PyTorch masks the padding keys explicitly; the Java layer has
 *       no padding mask and relies on causality, so outputs are compared on the real rows only
 *       (the fixture's upstream gradient is zero on padding rows), the input gradient and all four
 *       weight gradients on everything.
 *   <li>{@code attention_cache}: KV-cache decoding, a prefill of 3 positions and then 3 single
 *       positions, against PyTorch's own cached loop (itself checked against the full forward).
 * </ul>
 *
 * <p>Tolerances: float64 1e-9; float32 1e-5 (projections over 32 terms, scores over 8, softmax
 * and the value mix; measured at most 4.8e-7).
 */
class AttentionGoldenTest {
  record Settings(int batch, int seqLen, int dim, int heads, int kvHeads, double ropeTheta,
      List<Integer> lengths, List<Integer> chunks) {}

  @AfterEach
  void threads() {
    GoldenFixture.restoreThreads();
  }

  static MultiHeadAttention attention(GoldenFixture g, Settings s, Precision p) {
    MultiHeadAttention a = new MultiHeadAttention("self_attn", "o_proj",
        AttentionConfig.decoder(s.dim(), s.heads(), s.kvHeads(), s.ropeTheta()), p.type(), new SplittableRandom(1));
    g.assign(a.qProj().weight(), "q_proj");
    g.assign(a.kProj().weight(), "k_proj");
    g.assign(a.vProj().weight(), "v_proj");
    g.assign(a.oProj().weight(), "o_proj");
    return a;
  }

  @ParameterizedTest(name = "{0}, {1} threads")
  @MethodSource("org.evomoe.golden.GoldenFixture#runs")
  void ropeGqaCausalAttentionWithPaddingMatchesPyTorch(Precision p, int threads) {
    GoldenFixture.useThreads(threads);
    GoldenFixture g = GoldenFixture.load("attention", p);
    Settings s = GoldenFixture.settings("attention", Settings.class);
    double tol = p == Precision.F64 ? 1e-9 : 1e-5;
    MultiHeadAttention a = attention(g, s, p);
    INDArray y = a.forward(g.array("x"), s.batch(), s.seqLen());
    double[] got = y.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c').data().asDouble();
    for (int b = 0; b < s.batch(); b++) {  // padding rows: undefined output, set to 0 on both sides
      for (int pos = s.lengths().get(b); pos < s.seqLen(); pos++) {
        java.util.Arrays.fill(got, (b * s.seqLen() + pos) * s.dim(), (b * s.seqLen() + pos + 1) * s.dim(), 0.0);
      }
    }
    g.assertClose("y", got, tol);
    g.assertClose("dx", a.backward(g.array("dy")), tol);
    g.assertGrad("dq_proj", a.qProj().weight(), tol);
    g.assertGrad("dk_proj", a.kProj().weight(), tol);
    g.assertGrad("dv_proj", a.vProj().weight(), tol);
    g.assertGrad("do_proj", a.oProj().weight(), tol);
  }

  @ParameterizedTest(name = "{0}, {1} threads")
  @MethodSource("org.evomoe.golden.GoldenFixture#runs")
  void kvCacheDecodingMatchesPyTorch(Precision p, int threads) {
    GoldenFixture.useThreads(threads);
    GoldenFixture g = GoldenFixture.load("attention_cache", p);
    Settings s = GoldenFixture.settings("attention_cache", Settings.class);
    double tol = p == Precision.F64 ? 1e-9 : 1e-5;
    MultiHeadAttention a = attention(g, s, p);
    INDArray x = g.array("x");
    INDArray y = Nd4j.create(p.type(), (long) s.batch() * s.seqLen(), s.dim());
    KvCache cache = new KvCache(1);
    int at = 0;
    for (int c : s.chunks()) {
      int[] rows = new int[s.batch() * c];
      for (int b = 0; b < s.batch(); b++) {
        for (int i = 0; i < c; i++) {
          rows[b * c + i] = b * s.seqLen() + at + i;
        }
      }
      INDArray out = a.forwardCached(Nd4j.pullRows(x, 1, rows), s.batch(), c, cache, 0);
      cache.advance(s.batch(), at + c);
      for (int r = 0; r < rows.length; r++) {
        y.putRow(rows[r], out.getRow(r));
      }
      at += c;
    }
    g.assertClose("y", y, tol);
  }
}
