package org.evomoe.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.evomoe.golden.GoldenFixture;
import org.evomoe.golden.GoldenFixture.Precision;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * RMSNorm, the SwiGLU FFN and softmax cross-entropy against PyTorch (src-test-data/golden,
 * docs/golden-tests.md): outputs and every gradient, float64 and float32, with 1 and 2 threads.
 *
 * <p>Tolerances (scaled error, see {@link GoldenFixture#scaledError}): float64 1e-9, the same
 * arithmetic in another summation order leaves ~1e-15. Float32 2e-6: these layers reduce over at
 * most 12 terms in float32 (ND4J gemm) or in double (the Java kernels), so each result carries a
 * few float32 roundings of 6e-8 relative on values of order one; measured at most 2.1e-7 (SwiGLU).
 */
class LayersGoldenTest {
  record NormSettings(int tokens, int dim, double eps) {}

  record FfnSettings(int tokens, int dim, int hidden) {}

  record CrossEntropySettings(int tokens, int vocab, List<Integer> targets) {}

  static double tol(Precision p) {
    return p == Precision.F64 ? 1e-9 : 2e-6;
  }

  @AfterEach
  void threads() {
    GoldenFixture.restoreThreads();
  }

  @ParameterizedTest(name = "{0}, {1} threads")
  @MethodSource("org.evomoe.golden.GoldenFixture#runs")
  void rmsNormMatchesPyTorch(Precision p, int threads) {
    GoldenFixture.useThreads(threads);
    GoldenFixture g = GoldenFixture.load("rmsnorm", p);
    NormSettings s = GoldenFixture.settings("rmsnorm", NormSettings.class);
    RmsNorm norm = new RmsNorm("norm", s.dim(), s.eps(), p.type());
    g.assign(norm.weight(), "weight");
    g.assertClose("y", norm.forward(g.array("x")), tol(p));
    g.assertClose("dx", norm.backward(g.array("dy")), tol(p));
    g.assertGrad("dweight", norm.weight(), tol(p));
  }

  @ParameterizedTest(name = "{0}, {1} threads")
  @MethodSource("org.evomoe.golden.GoldenFixture#runs")
  void swiGluMatchesPyTorch(Precision p, int threads) {
    GoldenFixture.useThreads(threads);
    GoldenFixture g = GoldenFixture.load("swiglu", p);
    GoldenFixture.settings("swiglu", FfnSettings.class);
    SwiGluFfn ffn = new SwiGluFfn("mlp", g.array("gate"), g.array("up"), g.array("down"));
    g.assertClose("y", ffn.forward(g.array("x")), tol(p));
    g.assertClose("dx", ffn.backward(g.array("dy")), tol(p));
    g.assertGrad("dgate", ffn.gate(), tol(p));
    g.assertGrad("dup", ffn.up(), tol(p));
    g.assertGrad("ddown", ffn.down(), tol(p));
  }

  @ParameterizedTest(name = "{0}, {1} threads")
  @MethodSource("org.evomoe.golden.GoldenFixture#runs")
  void crossEntropyWithIgnoredRowsMatchesPyTorch(Precision p, int threads) {
    GoldenFixture.useThreads(threads);
    GoldenFixture g = GoldenFixture.load("cross_entropy", p);
    CrossEntropySettings s = GoldenFixture.settings("cross_entropy", CrossEntropySettings.class);
    assertEquals(SoftmaxCrossEntropy.IGNORE, -1, "the fixture marks ignored rows with -1");
    int[] targets = s.targets().stream().mapToInt(Integer::intValue).toArray();
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    double loss = ce.forward(g.array("logits"), targets);
    g.assertClose("loss", new double[] {loss}, tol(p));
    INDArray dLogits = ce.backward();
    g.assertClose("dlogits", dLogits, tol(p));
  }
  /** A deliberately broken variant the comparison must catch: gate_proj and up_proj swapped. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("org.evomoe.golden.GoldenFixture#precisions")
  void swiGluWithGateAndUpSwappedIsCaught(Precision p) {
    GoldenFixture g = GoldenFixture.load("swiglu", p);
    SwiGluFfn ffn = new SwiGluFfn("mlp", g.array("up"), g.array("gate"), g.array("down"));
    g.assertCaught("gate and up swapped", "y", ffn.forward(g.array("x")), tol(p));
  }

  /**
   * A deliberately broken variant the comparison must catch: ignored rows (padding) scored as if
   * their target were token 0, so they count in the mean.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("org.evomoe.golden.GoldenFixture#precisions")
  void crossEntropyCountingIgnoredRowsIsCaught(Precision p) {
    GoldenFixture g = GoldenFixture.load("cross_entropy", p);
    CrossEntropySettings s = GoldenFixture.settings("cross_entropy", CrossEntropySettings.class);
    int[] targets = s.targets().stream().mapToInt(t -> t == SoftmaxCrossEntropy.IGNORE ? 0 : t).toArray();
    double loss = new SoftmaxCrossEntropy().forward(g.array("logits"), targets);
    g.assertCaught("ignored rows counted", "loss", new double[] {loss}, tol(p));
  }
}
