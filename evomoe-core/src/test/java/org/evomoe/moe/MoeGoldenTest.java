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
import org.evomoe.router.RouterKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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
    double tol = p == Precision.F64 ? 1e-9 : 1e-5;
    LinearRouter router = new LinearRouter("gate", s.dim(), s.experts(), p.type(), new SplittableRandom(1));
    g.assign(router.weight(), "router");
    List<SwiGluFfn> experts = new ArrayList<>();
    for (int e = 0; e < s.experts(); e++) {
      String pre = "expert" + e + ".";
      experts.add(new SwiGluFfn("experts." + e, g.array(pre + "gate"), g.array(pre + "up"), g.array(pre + "down")));
    }
    MoeLayer moe = new MoeLayer(new MoeConfig(s.dim(), s.hidden(), s.experts(), new RoutingConfig(s.topK(),
        s.renormalize(), s.auxLossWeight(), s.zLossWeight(), RouterKind.LINEAR)), router, experts);
    Modality[] tags = s.modalities().stream().map(Modality::valueOf).toArray(Modality[]::new);

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
}
