package org.evomoe.evolution;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.evomoe.golden.GoldenFixture;
import org.evomoe.golden.GoldenFixture.Precision;
import org.evomoe.optim.GradientClipping;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The expert-evolution readings against PyTorch (src-test-data/golden, docs/golden-tests.md):
 * three steps of a seed SwiGLU expert (gate, up, down) and two evolved experts from fixed raw
 * gradients. Each step clips the seed's gradient to a global norm of 1 (the fixture's gradients are
 * larger, so clipping is active), moves the seed by plain gradient descent on the clipped gradient,
 * and evolves the experts with betas fixed per expert (a range with lo = hi, so no random draw
 * needs to match PyTorch's). LITERAL mixes in the raw, unclipped gradient (method spec).
 *
 * <p>Tolerances: float64 1e-9; float32 1e-6 (a handful of element-wise float32 operations per step
 * on values of order one; measured: equal bit for bit).
 */
class EvolutionGoldenTest {
  record Settings(String rule, int dim, int hidden, int steps, double learningRate, double maxNorm,
      List<Double> betas) {}

  static final List<String> PARTS = List.of("gate", "up", "down");

  static Stream<Arguments> cases() {
    List<Arguments> all = new ArrayList<>();
    for (String c : List.of("evolution_partial_update", "evolution_ema", "evolution_literal")) {
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
  void evolutionMatchesPyTorch(String name, Precision p, int threads) {
    GoldenFixture.useThreads(threads);
    GoldenFixture g = GoldenFixture.load(name, p);
    Settings s = GoldenFixture.settings(name, Settings.class);
    double tol = p == Precision.F64 ? 1e-9 : 1e-6;
    List<Parameter> seed = new ArrayList<>();
    for (String part : PARTS) {
      seed.add(new Parameter("experts.0." + part, g.array("seed." + part), true));
    }
    List<List<Parameter>> evolved = new ArrayList<>();
    List<BetaRange> ranges = new ArrayList<>();
    for (int e = 0; e < s.betas().size(); e++) {
      List<Parameter> expert = new ArrayList<>();
      for (String part : PARTS) {
        expert.add(new Parameter("experts." + (e + 1) + "." + part, g.array("seed." + part).mul(0), false));
      }
      evolved.add(expert);
      double beta = s.betas().get(e);
      ranges.add(new BetaRange(e + 2, beta, beta));
    }
    try (ExpertEvolution evo = new ExpertEvolution(
        new EvolutionConfig(EvolutionRule.valueOf(s.rule()), ranges, 7), seed, evolved)) {
      evo.copySeedIntoEvolved();
      for (int step = 0; step < s.steps(); step++) {
        for (int i = 0; i < PARTS.size(); i++) {
          seed.get(i).zeroGrad();
          seed.get(i).accumulate(g.array("step" + step + ".grad." + PARTS.get(i)));
        }
        // beforeStep before clipping, so that LITERAL records the raw gradient; gradient descent on
        // the clipped gradient as the optimiser.
        evo.beforeStep();
        GradientClipping.clipByGlobalNorm(seed, s.maxNorm());
        for (Parameter par : seed) {
          par.value().subi(par.grad().mul(s.learningRate()));
        }
        evo.afterStep();
        for (int i = 0; i < PARTS.size(); i++) {
          String part = PARTS.get(i);
          g.assertClose("step" + step + ".seed." + part, seed.get(i).value(), tol);
          for (int e = 0; e < evolved.size(); e++) {
            g.assertClose("step" + step + ".expert" + (e + 2) + "." + part, evolved.get(e).get(i).value(), tol);
          }
        }
      }
    }
  }
}
