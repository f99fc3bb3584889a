package org.evomoe.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.evomoe.golden.GoldenFixture;
import org.evomoe.golden.GoldenFixture.Precision;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * AdamW with the cosine warm-up schedule against {@code torch.optim.AdamW} driven by a
 * {@code LambdaLR} with the schedule of docs/optimisation-and-evolution.md (src-test-data/golden,
 * docs/golden-tests.md): six steps over the warm-up (the first at rate 0), the cosine decay and
 * the floor past the last step, with weight decay; every step's values, the learning rates and the
 * final moments.
 *
 * <p>Tolerances: float64 1e-9 (measured ~1e-16: same formula). Float32 2e-6: PyTorch updates in
 * float32, this AdamW in double stored to float32 (values of order one, a few roundings of
 * 6e-8 per step; measured 2.3e-7).
 */
class AdamWGoldenTest {
  record Settings(double peak, long warmupSteps, long totalSteps, double minRatio, int steps, double beta1,
      double beta2, double eps, double weightDecay, List<Double> learningRates) {}

  @AfterEach
  void threads() {
    GoldenFixture.restoreThreads();
  }

  @ParameterizedTest(name = "{0}, {1} threads")
  @MethodSource("org.evomoe.golden.GoldenFixture#runs")
  void adamWWithCosineWarmupMatchesPyTorch(Precision p, int threads) {
    GoldenFixture.useThreads(threads);
    GoldenFixture g = GoldenFixture.load("adamw", p);
    Settings s = GoldenFixture.settings("adamw", Settings.class);
    double tol = tol(p);
    List<String> names = List.of("a", "b");
    List<Parameter> params = names.stream().map(n -> new Parameter(n, g.array("init." + n), true)).toList();
    AdamW opt = new AdamW(new AdamWConfig(s.peak(), s.beta1(), s.beta2(), s.eps(), s.weightDecay()), params);
    LearningRateSchedule lr =
        new CosineWarmupSchedule(s.peak(), s.warmupSteps(), s.totalSteps(), s.minRatio());
    for (int step = 0; step < s.steps(); step++) {
      assertEquals(s.learningRates().get(step), lr.learningRate(step), 1e-15, "learning rate of step " + step);
      opt.setLearningRate(lr.learningRate(step));
      for (int i = 0; i < names.size(); i++) {
        params.get(i).zeroGrad();
        params.get(i).accumulate(g.array("step" + step + ".grad." + names.get(i)));
      }
      opt.step();
      for (int i = 0; i < names.size(); i++) {
        g.assertClose("step" + step + ".value." + names.get(i), params.get(i).value(), tol);
      }
    }
    for (String n : names) {
      AdamWParameterState st = opt.stateOf(n).orElseThrow();
      assertEquals(s.steps(), st.step());
      g.assertClose("final.m." + n, st.m(), tol);
      g.assertClose("final.v." + n, st.v(), tol);
    }
  }
  static double tol(Precision p) {
    return p == Precision.F64 ? 1e-9 : 2e-6;
  }

  /**
   * Deliberately broken variants the comparison of the last step's values must catch: Adam with
   * the decay added to the gradient (L2 regularisation) instead of AdamW's decoupled decay, and
   * the schedule without its warm-up (the peak rate from the first step).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("org.evomoe.golden.GoldenFixture#precisions")
  void brokenOptimisersAreCaught(Precision p) {
    GoldenFixture g = GoldenFixture.load("adamw", p);
    Settings s = GoldenFixture.settings("adamw", Settings.class);
    LearningRateSchedule cosine = new CosineWarmupSchedule(s.peak(), s.warmupSteps(), s.totalSteps(), s.minRatio());
    LearningRateSchedule noWarmup = new CosineWarmupSchedule(s.peak(), 0, s.totalSteps(), s.minRatio());
    String last = "step" + (s.steps() - 1) + ".value.a";
    g.assertCaught("L2 decay in the gradient", last, run(g, s, cosine, true), tol(p));
    g.assertCaught("no warm-up", last, run(g, s, noWarmup, false), tol(p));
  }

  /** The last value of parameter a after the fixture's steps; l2: decay as L2 in the gradient. */
  private static INDArray run(GoldenFixture g, Settings s, LearningRateSchedule lr, boolean l2) {
    Parameter a = new Parameter("a", g.array("init.a"), true);
    AdamW opt = new AdamW(new AdamWConfig(s.peak(), s.beta1(), s.beta2(), s.eps(), l2 ? 0 : s.weightDecay()),
        List.of(a));
    for (int step = 0; step < s.steps(); step++) {
      opt.setLearningRate(lr.learningRate(step));
      a.zeroGrad();
      a.accumulate(g.array("step" + step + ".grad.a"));
      if (l2) {
        a.accumulate(a.value().mul(s.weightDecay()));
      }
      opt.step();
    }
    return a.value();
  }
}
