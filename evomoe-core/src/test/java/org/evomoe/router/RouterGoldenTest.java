package org.evomoe.router;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.evomoe.golden.GoldenFixture;
import org.evomoe.golden.GoldenFixture.Precision;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The linear, modality-linear and Dynamic Token-aware routers against PyTorch
 * (src-test-data/golden, docs/golden-tests.md): logits, the input gradient and every parameter's
 * gradient, for a batch with both modalities and one with no image token (whose parameters must
 * get no gradient). PyTorch builds each DTR token's bottleneck weights Theta explicitly, one token
 * at a time; the Java router runs both evaluation orders. One case has the tanh-GELU activation
 * and a phi bias, and every case has non-zero hypernetwork biases.
 *
 * <p>Tolerances: float64 1e-9. Float32 1e-5: the DTR's logits pass through two hypernetwork
 * products and two per-token contractions (5-12 terms each, float32 gemms and double Java sums);
 * measured at most 6.3e-7.
 */
class RouterGoldenTest {
  record Settings(int tokens, int dim, int experts, String kind, List<String> modalities, Integer rank,
      Integer embedDim, Integer hyperHidden, String activation, Boolean phiBias) {}

  static Stream<Arguments> cases() {
    List<Arguments> all = new ArrayList<>();
    List<String> names = List.of("router_linear", "router_modality_linear", "router_modality_linear_text_only",
        "router_dtr", "router_dtr_text_only", "router_dtr_gelu_bias");
    for (String c : names) {
      for (ThetaContraction order : ThetaContraction.values()) {
        if (!c.startsWith("router_dtr") && order != ThetaContraction.CONTRACTED) {
          continue;
        }
        GoldenFixture.runs().forEach(a -> all.add(Arguments.of(c, order, a.get()[0], a.get()[1])));
      }
    }
    return all.stream();
  }

  @AfterEach
  void threads() {
    GoldenFixture.restoreThreads();
  }

  static Router build(Settings s, ThetaContraction order, DataType type) {
    SplittableRandom rng = new SplittableRandom(1);
    return switch (s.kind()) {
      case "linear" -> new LinearRouter("gate", s.dim(), s.experts(), type, rng);
      case "modality_linear" -> new ModalityLinearRouter("gate", s.dim(), s.experts(), type, rng);
      case "dtr" -> new DynamicTokenRouter("gate", s.dim(), s.experts(), new DtrConfig(s.rank(), s.embedDim(),
          s.hyperHidden(), HyperActivation.valueOf(s.activation().toUpperCase(Locale.ROOT)), s.phiBias(), order),
          type, rng);
      default -> throw new IllegalArgumentException(s.kind());
    };
  }

  @ParameterizedTest(name = "{0} {1} {2}, {3} threads")
  @MethodSource("cases")
  void routerMatchesPyTorch(String name, ThetaContraction order, Precision p, int threads) {
    GoldenFixture.useThreads(threads);
    GoldenFixture g = GoldenFixture.load(name, p);
    Settings s = GoldenFixture.settings(name, Settings.class);
    double tol = tol(p);
    Router router = build(s, order, p.type());
    for (Parameter par : router.parameters()) {
      g.assign(par, par.name().substring("gate.".length()));
    }
    Modality[] tags = s.modalities().stream().map(Modality::valueOf).toArray(Modality[]::new);
    g.assertClose("logits", router.forward(g.array("x"), tags), tol);
    g.assertClose("dx", router.backward(g.array("dlogits")), tol);
    boolean hasImage = s.modalities().contains("IMAGE");
    for (Parameter par : router.parameters()) {
      String n = par.name().substring("gate.".length());
      g.assertGrad("d" + n, par, tol);
      if (n.contains("image")) {
        assertTrue(par.hasGrad() == hasImage, n + ": a gradient exactly when the batch has image tokens");
      }
    }
    if (!hasImage) {
      for (Parameter par : router.parameters()) {
        assertFalse(par.name().contains("image") && par.hasGrad(), par.name());
      }
    }
  }
  /**
   * A deliberately broken variant the comparison must catch: the modality tags swapped, so every
   * image token is routed by the text weights (and the other way round).
   */
  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("swapCases")
  void swappedModalitiesAreCaught(String name, Precision p) {
    GoldenFixture g = GoldenFixture.load(name, p);
    Settings s = GoldenFixture.settings(name, Settings.class);
    Router router = build(s, ThetaContraction.CONTRACTED, p.type());
    for (Parameter par : router.parameters()) {
      g.assign(par, par.name().substring("gate.".length()));
    }
    Modality[] swapped = s.modalities().stream()
        .map(m -> Modality.valueOf(m).equals(Modality.IMAGE) ? Modality.TEXT : Modality.IMAGE).toArray(Modality[]::new);
    g.assertCaught("modalities swapped", "logits", router.forward(g.array("x"), swapped), tol(p));
  }

  static Stream<Arguments> swapCases() {
    List<Arguments> all = new ArrayList<>();
    for (String c : List.of("router_modality_linear", "router_dtr")) {
      GoldenFixture.precisions().forEach(a -> all.add(Arguments.of(c, a.get()[0])));
    }
    return all.stream();
  }

  static double tol(Precision p) {
    return p == Precision.F64 ? 1e-9 : 1e-5;
  }
}
