package org.evomoe.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.evomoe.golden.GoldenFixture;
import org.evomoe.golden.GoldenFixture.Precision;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.LinearRouter;
import org.evomoe.router.Modality;
import org.evomoe.router.Router;
import org.evomoe.router.RouterKind;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The sparse MoE layer against PyTorch (src-test-data/golden, docs/golden-tests.md): top-1 and
 * top-2, with and without renormalisation (and top-1 with the renormalisation flag set, which
 * must change nothing), an expert that receives no token, and the load-balancing and z-losses
 * alone ({@code moe_losses}: zero output gradient, weights 1 and 0.5), and both again with three
 * padding tokens (token mask false: zero output, no gradient, left out of F_i, G_i and the z-loss,
 * {@code *_padding}). Compared: routing, output,
 * both losses, the input gradient, the router's and every expert's weight gradient. PyTorch
 * evaluates every expert on every token and masks by the chosen gates (a different algorithm from
 * the layer's dispatch).
 *
 * <p>Tolerances: float64 1e-9 (same arithmetic, other order). Float32 1e-5: expert products
 * reduce over 8-12 float32 terms, gates are computed in double from float32 logits; measured at
 * most 4.0e-7.
 */
class MoeGoldenTest {
  record Settings(int tokens, int dim, int hidden, int experts, int topK, boolean renormalize,
      double auxLossWeight, double zLossWeight, List<List<Integer>> chosen, List<Integer> counts,
      List<String> modalities, List<Boolean> mask) {}

  static Stream<Arguments> cases() {
    List<Arguments> all = new ArrayList<>();
    for (String c : List.of("moe_top1", "moe_top1_renorm_flag", "moe_top2", "moe_top2_renorm", "moe_losses",
        "moe_top2_padding", "moe_losses_padding")) {
      GoldenFixture.runs().forEach(a -> all.add(Arguments.of(c, a.get()[0], a.get()[1])));
    }
    return all.stream();
  }

  @AfterEach
  void threads() {
    GoldenFixture.restoreThreads();
  }

  @ParameterizedTest(name = "{0} {1}, {2} threads")
  @MethodSource("cases")
  void moeLayerMatchesPyTorch(String name, Precision p, int threads) {
    GoldenFixture.useThreads(threads);
    GoldenFixture g = GoldenFixture.load(name, p);
    Settings s = GoldenFixture.settings(name, Settings.class);
    double tol = tol(p);
    LinearRouter router = router(g, s, p);
    List<SwiGluFfn> experts = experts(g, s, 0);
    MoeLayer moe = new MoeLayer(config(s, s.renormalize()), router, experts);
    Modality[] tags = tags(s);

    boolean[] real = new boolean[s.tokens()];
    int realTokens = 0;
    for (int t = 0; t < real.length; t++) {
      real[t] = s.mask().get(t);
      realTokens += real[t] ? 1 : 0;
    }
    g.assertClose("y", moe.forward(g.array("x"), tags, TokenMask.of(real)), tol);
    RoutingRecord r = moe.lastRouting();
    assertEquals(realTokens, r.numTokens(), "the routing record holds the real tokens");
    for (int t = 0; t < realTokens; t++) { // padding comes last: real token t is row t
      for (int j = 0; j < s.topK(); j++) {
        assertEquals(s.chosen().get(t).get(j), r.expert(t, j), "token " + t + " choice " + j);
      }
    }
    assertEquals(0, s.counts().get(s.experts() - 1), "the fixture starves the last expert");
    g.assertClose("aux_loss", new double[] {moe.auxLoss()}, tol);
    g.assertClose("z_loss", new double[] {moe.zLoss()}, tol);

    g.assertClose("dx", moe.backward(g.array("dy")), tol);
    g.assertGrad("drouter", router.weight(), tol);
    for (int e = 0; e < s.experts(); e++) {
      SwiGluFfn ex = experts.get(e);
      g.assertGrad("dexpert" + e + ".gate", ex.gate(), tol);
      g.assertGrad("dexpert" + e + ".up", ex.up(), tol);
      g.assertGrad("dexpert" + e + ".down", ex.down(), tol);
    }
  }
  static double tol(Precision p) {
    return p == Precision.F64 ? 1e-9 : 1e-5;
  }

  static LinearRouter router(GoldenFixture g, Settings s, Precision p) {
    LinearRouter router = new LinearRouter("gate", s.dim(), s.experts(), p.type(), new SplittableRandom(1));
    g.assign(router.weight(), "router");
    return router;
  }

  /** The fixture's experts; expert e holds the fixture's expert (e + rotate) mod E. */
  static List<SwiGluFfn> experts(GoldenFixture g, Settings s, int rotate) {
    List<SwiGluFfn> experts = new ArrayList<>();
    for (int e = 0; e < s.experts(); e++) {
      String pre = "expert" + (e + rotate) % s.experts() + ".";
      experts.add(new SwiGluFfn("experts." + e, g.array(pre + "gate"), g.array(pre + "up"), g.array(pre + "down")));
    }
    return experts;
  }

  static MoeConfig config(Settings s, boolean renormalize) {
    return new MoeConfig(s.dim(), s.hidden(), s.experts(), new RoutingConfig(s.topK(), renormalize,
        s.auxLossWeight(), s.zLossWeight(), RouterKind.LINEAR));
  }

  static Modality[] tags(Settings s) {
    return s.modalities().stream().map(Modality::valueOf).toArray(Modality[]::new);
  }

  /** Deliberately broken variants of the layer that the comparison of its output must catch. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("org.evomoe.golden.GoldenFixture#precisions")
  void brokenLayersAreCaught(Precision p) {
    GoldenFixture g = GoldenFixture.load("moe_top2_renorm", p);
    Settings s = GoldenFixture.settings("moe_top2_renorm", Settings.class);
    assertEquals(true, s.renormalize());
    INDArray x = g.array("x");
    // Experts in another order than their names say (expert e runs expert e+1's weights).
    MoeLayer rotated = new MoeLayer(config(s, true), router(g, s, p), experts(g, s, 1));
    g.assertCaught("experts rotated", "y", rotated.forward(x, tags(s)), tol(p));
    // Top-2 gates not renormalised.
    MoeLayer raw = new MoeLayer(config(s, false), router(g, s, p), experts(g, s, 0));
    g.assertCaught("top-2 gates not renormalised", "y", raw.forward(x, tags(s)), tol(p));
    // Routing probabilities normalised over the token axis before the expert softmax.
    MoeLayer tokenAxis = new MoeLayer(config(s, true), new TokenAxisRouter(router(g, s, p)), experts(g, s, 0));
    g.assertCaught("router softmax over tokens", "y", tokenAxis.forward(x, tags(s)), tol(p));
  }

  /**
   * A router whose logits are log-probabilities over the token axis (each expert's column
   * log-softmaxed over the tokens): a softmax over the wrong axis in front of the layer's own.
   */
  private record TokenAxisRouter(LinearRouter inner) implements Router {
    @Override
    public int inputDim() {
      return inner.inputDim();
    }

    @Override
    public int numExperts() {
      return inner.numExperts();
    }

    @Override
    public INDArray forward(INDArray x, Modality[] modalities) {
      double[][] l = inner.forward(x, modalities).castTo(DataType.DOUBLE).toDoubleMatrix();
      for (int e = 0; e < l[0].length; e++) {
        double max = Double.NEGATIVE_INFINITY;
        for (double[] row : l) {
          max = Math.max(max, row[e]);
        }
        double sum = 0;
        for (double[] row : l) {
          sum += Math.exp(row[e] - max);
        }
        for (double[] row : l) {
          row[e] -= max + Math.log(sum);
        }
      }
      return Nd4j.create(l).castTo(x.dataType());
    }

    @Override
    public INDArray backward(INDArray dLogits) {
      throw new UnsupportedOperationException("forward only");
    }

    @Override
    public List<Parameter> parameters() {
      return inner.parameters();
    }
  }
}
