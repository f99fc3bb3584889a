package org.evomoe.examples.model;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.IntUnaryOperator;
import org.evomoe.golden.GoldenFixture;
import org.evomoe.golden.GoldenFixture.Precision;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
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
    double tol = tol(p);
    MultiHeadAttention a = attention(g, s, p);
    g.assertClose("y", realRows(a.forward(g.array("x"), s.batch(), s.seqLen()), s), tol);
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
    double tol = tol(p);
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
  static double tol(Precision p) {
    return p == Precision.F64 ? 1e-9 : 1e-5;
  }

  /** y [B*S, d] with the padding rows set to 0 (their output is undefined; the fixture holds 0). */
  static double[] realRows(INDArray y, Settings s) {
    double[] got = y.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    for (int b = 0; b < s.batch(); b++) {
      for (int pos = s.lengths().get(b); pos < s.seqLen(); pos++) {
        Arrays.fill(got, (b * s.seqLen() + pos) * s.dim(), (b * s.seqLen() + pos + 1) * s.dim(), 0.0);
      }
    }
    return got;
  }

  /**
   * Deliberately broken variants the comparison must catch, each by at least {@link
   * GoldenFixture#CAUGHT_MARGIN} tolerances. Each runs the layer as it is on rearranged weights
   * that make it compute exactly what the bug would:
   *
   * <ul>
   *   <li>q_proj loaded transposed (it is square here, so no shape check notices);
   *   <li>RoPE's rotate_half with its halves swapped ({@code cat(x2, -x1)}, every rotation runs
   *       backwards): each head's halves of q and k swapped;
   *   <li>RoPE pairing dimension 2i with 2i+1 (GPT-J) instead of i with i + dh/2: q and k rows
   *       interleaved;
   *   <li>grouped-query heads paired as {@code h % Hkv} instead of {@code h / (H / Hkv)}: query
   *       heads (q rows and o_proj columns) permuted;
   *   <li>k_proj and v_proj swapped (a loader reading the wrong names);
   *   <li>no causal mask.
   * </ul>
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("org.evomoe.golden.GoldenFixture#precisions")
  void brokenAttentionIsCaught(Precision p) {
    GoldenFixture g = GoldenFixture.load("attention", p);
    Settings s = GoldenFixture.settings("attention", Settings.class);
    int heads = s.heads();
    int kvHeads = s.kvHeads();
    int dh = s.dim() / heads;
    int group = heads / kvHeads;
    caught(g, s, p, "q_proj transposed", attention(g, s, p),
        a -> a.qProj().weight().value().assign(g.array("q_proj").transpose()));
    IntUnaryOperator swapHalves = i -> (i + dh / 2) % dh;
    caught(g, s, p, "RoPE halves swapped", attention(g, s, p), a -> {
      permuteRows(a.qProj(), withinHeads(heads, dh, swapHalves));
      permuteRows(a.kProj(), withinHeads(kvHeads, dh, swapHalves));
    });
    IntUnaryOperator interleave = i -> i < dh / 2 ? 2 * i : 2 * (i - dh / 2) + 1;
    caught(g, s, p, "RoPE pairs interleaved", attention(g, s, p), a -> {
      permuteRows(a.qProj(), withinHeads(heads, dh, interleave));
      permuteRows(a.kProj(), withinHeads(kvHeads, dh, interleave));
    });
    int[] gqa = headOrder(heads, dh, j -> (j % group) * kvHeads + j / group);
    caught(g, s, p, "GQA heads paired h % Hkv", attention(g, s, p), a -> {
      permuteRows(a.qProj(), gqa);
      INDArray o = a.oProj().weight().value();
      o.assign(o.dup().getColumns(gqa));
    });
    caught(g, s, p, "k_proj and v_proj swapped", attention(g, s, p), a -> {
      a.kProj().weight().value().assign(g.array("v_proj"));
      a.vProj().weight().value().assign(g.array("k_proj"));
    });
    MultiHeadAttention noMask = new MultiHeadAttention("self_attn", "o_proj", new AttentionConfig(s.dim(),
        heads, kvHeads, false, false, s.ropeTheta()), p.type(), new SplittableRandom(1));
    caught(g, s, p, "no causal mask", noMask, a -> {
      g.assign(a.qProj().weight(), "q_proj");
      g.assign(a.kProj().weight(), "k_proj");
      g.assign(a.vProj().weight(), "v_proj");
      g.assign(a.oProj().weight(), "o_proj");
    });
  }

  private static void caught(GoldenFixture g, Settings s, Precision p, String mutant, MultiHeadAttention a,
      Consumer<MultiHeadAttention> breakIt) {
    breakIt.accept(a);
    g.assertCaught(mutant, "y", realRows(a.forward(g.array("x"), s.batch(), s.seqLen()), s), tol(p));
  }

  /** Row order of a [heads * dh, d] projection with each head's rows reordered by {@code within}. */
  static int[] withinHeads(int heads, int dh, IntUnaryOperator within) {
    int[] perm = new int[heads * dh];
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < dh; i++) {
        perm[h * dh + i] = h * dh + within.applyAsInt(i);
      }
    }
    return perm;
  }

  /** Row order of a [heads * dh, d] projection whose head j is the original head {@code from(j)}. */
  static int[] headOrder(int heads, int dh, IntUnaryOperator from) {
    int[] perm = new int[heads * dh];
    for (int j = 0; j < heads; j++) {
      for (int i = 0; i < dh; i++) {
        perm[j * dh + i] = from.applyAsInt(j) * dh + i;
      }
    }
    return perm;
  }

  /** Row i of the weight becomes its row perm[i]. */
  static void permuteRows(org.evomoe.nn.Linear lin, int[] perm) {
    INDArray w = lin.weight().value();
    w.assign(Nd4j.pullRows(w.dup(), 1, perm));
  }
}
