package org.evomoe.evolution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.evomoe.optim.AdamW;
import org.evomoe.optim.AdamWConfig;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ExpertEvolutionTest {
  // Seed expert: two parameters, a vector [3] and a matrix [2, 2] (flattened here).
  private static final double[] S0 = {1.0, 2.0, 3.0};
  private static final double[] S1 = {-1.0, 0.5, 0.25, 4.0};

  private static Parameter tensor(String name, double[] v, boolean trainable) {
    INDArray a = Nd4j.createFromArray(v);
    if (v.length == 4) {
      a = a.reshape(2, 2).dup('c');
    }
    return new Parameter(name, a, trainable);
  }

  private static List<Parameter> seedExpert() {
    return List.of(tensor("experts.0.w0", S0, true), tensor("experts.0.w1", S1, true));
  }

  private static List<Parameter> evolvedExpert(int n, double[] v0, double[] v1) {
    return List.of(tensor("experts." + (n - 1) + ".w0", v0, false), tensor("experts." + (n - 1) + ".w1", v1, false));
  }

  private static double[] flat(Parameter p) {
    return p.value().reshape(-1).toDoubleVector();
  }

  private static void addTo(Parameter p, double[] d) {
    p.value().addi(Nd4j.createFromArray(d).reshape(p.value().shape()));
  }

  private static double[] axpy(double a, double[] x, double[] y) {
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = y[i] + a * x[i];
    }
    return out;
  }

  private static EvolutionConfig fixed(EvolutionRule rule, double... betas) {
    List<BetaRange> ranges = new ArrayList<>();
    for (int i = 0; i < betas.length; i++) {
      ranges.add(new BetaRange(i + 2, betas[i], betas[i]));
    }
    return new EvolutionConfig(rule, ranges, 17);
  }

  @Test
  void partialUpdateAddsEachExpertsShareOfTheSeedUpdate() {
    // N = 4, fixed betas 0.9, 0.5, 0.2: expert n gains (1 - beta_n) * delta_1 per step.
    double[] e2w0 = {0.5, 0.5, 0.5};
    double[] e2w1 = {0, 0, 0, 0};
    double[] e3w0 = {-2, 0, 2};
    double[] e3w1 = {1, 1, 1, 1};
    double[] e4w0 = {7, 8, 9};
    double[] e4w1 = {0.1, 0.2, 0.3, 0.4};
    List<Parameter> seed = seedExpert();
    List<List<Parameter>> evolved = List.of(
        evolvedExpert(2, e2w0, e2w1), evolvedExpert(3, e3w0, e3w1), evolvedExpert(4, e4w0, e4w1));
    ExpertEvolution evo = new ExpertEvolution(fixed(EvolutionRule.PARTIAL_UPDATE, 0.9, 0.5, 0.2), seed, evolved);

    double[] d0 = {0.1, -0.2, 0.3};
    double[] d1 = {0.01, 0.02, -0.03, 0.04};
    evo.beforeStep();
    addTo(seed.get(0), d0); // stands in for any optimiser's step
    addTo(seed.get(1), d1);
    evo.afterStep();
    double[][] start = {e2w0, e2w1, e3w0, e3w1, e4w0, e4w1};
    double[] betas = {0.9, 0.5, 0.2};
    for (int e = 0; e < 3; e++) {
      assertArrayEquals(axpy(1 - betas[e], d0, start[2 * e]), flat(evolved.get(e).get(0)), 1e-15, "expert " + (e + 2));
      assertArrayEquals(axpy(1 - betas[e], d1, start[2 * e + 1]), flat(evolved.get(e).get(1)), 1e-15, "expert " + (e + 2));
    }
    assertArrayEquals(new double[] {0.9, 0.5, 0.2}, evo.lastBetas(), 0.0);
    assertEquals(1, evo.steps());

    // A second step accumulates: total share (1 - beta) * (d + d').
    double[] d0b = {-0.4, 0.0, 0.05};
    evo.beforeStep();
    addTo(seed.get(0), d0b);
    evo.afterStep();
    for (int e = 0; e < 3; e++) {
      double[] expected = axpy(1 - betas[e], d0b, axpy(1 - betas[e], d0, start[2 * e]));
      assertArrayEquals(expected, flat(evolved.get(e).get(0)), 1e-15);
      // w1 did not move in this step.
      assertArrayEquals(axpy(1 - betas[e], d1, start[2 * e + 1]), flat(evolved.get(e).get(1)), 1e-15);
    }
    evo.close();
  }

  @Test
  void partialUpdateUsesTheOptimisersWholeUpdateIncludingWeightDecay() {
    List<Parameter> seed = seedExpert();
    List<List<Parameter>> evolved = List.of(evolvedExpert(2, S0, S1)); // N = 2, starts as a copy
    List<Parameter> all = new ArrayList<>(seed);
    all.addAll(evolved.get(0));
    AdamW opt = new AdamW(new AdamWConfig(0.1, 0.9, 0.999, 1e-8, 0.5), all);
    try (ExpertEvolution evo = new ExpertEvolution(fixed(EvolutionRule.PARTIAL_UPDATE, 0.75), seed, evolved)) {
      double[] before0 = flat(seed.get(0));
      double[] before1 = flat(seed.get(1));
      seed.get(0).grad().assign(Nd4j.createFromArray(0.3, -0.1, 0.0));
      seed.get(1).grad().assign(Nd4j.createFromArray(new double[][] {{1, -1}, {0.5, 0}}));
      evo.beforeStep();
      opt.step();
      evo.afterStep();
      double[] delta0 = axpy(-1, before0, flat(seed.get(0)));
      double[] delta1 = axpy(-1, before1, flat(seed.get(1)));
      assertTrue(Math.abs(delta0[2]) > 0.01, "zero-gradient element moved by weight decay only");
      assertArrayEquals(axpy(0.25, delta0, S0), flat(evolved.get(0).get(0)), 1e-15);
      assertArrayEquals(axpy(0.25, delta1, S1), flat(evolved.get(0).get(1)), 1e-15);
    }
    assertFalse(opt.hasState("experts.1.w0"));
    assertFalse(opt.hasState("experts.1.w1"));
    assertTrue(opt.hasState("experts.0.w0"));
    assertFalse(evolved.get(0).get(0).hasGrad());
  }

  @Test
  void emaMixesEachExpertWithTheSeedAfterTheStep() {
    double[] e2w0 = {10, 20, 30};
    double[] e2w1 = {0, 0, 0, 0};
    List<Parameter> seed = seedExpert();
    List<List<Parameter>> evolved = List.of(evolvedExpert(2, e2w0, e2w1));
    try (ExpertEvolution evo = new ExpertEvolution(fixed(EvolutionRule.EMA, 0.8), seed, evolved)) {
      double[] d0 = {0.1, 0.1, 0.1};
      evo.beforeStep();
      addTo(seed.get(0), d0);
      evo.afterStep();
      double[] after0 = axpy(1, d0, S0);
      double[] expected0 = new double[3];
      for (int i = 0; i < 3; i++) {
        expected0[i] = 0.8 * e2w0[i] + 0.2 * after0[i];
      }
      assertArrayEquals(expected0, flat(evolved.get(0).get(0)), 1e-14);
      double[] expected1 = new double[4];
      for (int i = 0; i < 4; i++) {
        expected1[i] = 0.2 * S1[i];
      }
      assertArrayEquals(expected1, flat(evolved.get(0).get(1)), 1e-15);
    }
  }

  @Test
  void literalMixesTheSeedWithItsGradientRecordedBeforeTheStep() {
    List<Parameter> seed = seedExpert();
    List<List<Parameter>> evolved = List.of(
        evolvedExpert(2, new double[] {9, 9, 9}, new double[] {9, 9, 9, 9}),
        evolvedExpert(3, new double[] {-9, -9, -9}, new double[] {-9, -9, -9, -9}));
    double[] g0 = {0.5, -1.5, 2.0};
    seed.get(0).grad().assign(Nd4j.createFromArray(g0));
    // seed.get(1) has no gradient buffer: it counts as a zero gradient.
    try (ExpertEvolution evo = new ExpertEvolution(fixed(EvolutionRule.LITERAL, 0.6, 0.3), seed, evolved)) {
      evo.beforeStep();
      double[] d0 = {1, 1, 1};
      addTo(seed.get(0), d0);
      seed.get(0).zeroGrad(); // an optimiser loop may clear gradients before afterStep
      evo.afterStep();
      double[] after0 = axpy(1, d0, S0);
      double[] betas = {0.6, 0.3};
      for (int e = 0; e < 2; e++) {
        double[] expected0 = new double[3];
        for (int i = 0; i < 3; i++) {
          expected0[i] = betas[e] * after0[i] + (1 - betas[e]) * g0[i];
        }
        assertArrayEquals(expected0, flat(evolved.get(e).get(0)), 1e-15, "expert " + (e + 2));
        double[] expected1 = new double[4];
        for (int i = 0; i < 4; i++) {
          expected1[i] = betas[e] * S1[i];
        }
        assertArrayEquals(expected1, flat(evolved.get(e).get(1)), 1e-15);
      }
    }
  }

  @Test
  void betasAreDrawnInRangeAfreshEveryStep() {
    List<Parameter> seed = seedExpert();
    List<List<Parameter>> evolved = List.of(evolvedExpert(2, S0, S1), evolvedExpert(3, S0, S1), evolvedExpert(4, S0, S1));
    EvolutionConfig cfg = EvolutionConfig.paperDefaults(4, 2024);
    int steps = 400;
    try (ExpertEvolution evo = new ExpertEvolution(cfg, seed, evolved)) {
      double[] before = evo.lastBetas();
      for (double b : before) {
        assertTrue(Double.isNaN(b));
      }
      List<Set<Double>> distinct = List.of(new HashSet<>(), new HashSet<>(), new HashSet<>());
      double[] sums = new double[3];
      double[] previous = null;
      for (int s = 0; s < steps; s++) {
        evo.beforeStep();
        evo.afterStep();
        double[] betas = evo.lastBetas();
        for (int e = 0; e < 3; e++) {
          BetaRange r = cfg.ranges().get(e);
          assertTrue(betas[e] >= r.lo() && betas[e] <= r.hi(), "expert " + (e + 2) + " beta " + betas[e]);
          distinct.get(e).add(betas[e]);
          sums[e] += betas[e];
          if (previous != null) {
            assertNotEquals(previous[e], betas[e], "beta redrawn at step " + s);
          }
        }
        previous = betas;
      }
      for (int e = 0; e < 3; e++) {
        assertEquals(steps, distinct.get(e).size());
        BetaRange r = cfg.ranges().get(e);
        // Mean of 400 uniforms on a 0.09 band: sd about 0.0013.
        assertEquals((r.lo() + r.hi()) / 2, sums[e] / steps, 0.008, "expert " + (e + 2));
      }
      assertEquals(steps, evo.steps());
    }
  }

  /** Runs N = 4 evolution with AdamW on pseudo-random gradients; returns all expert tensors. */
  private static List<float[]> run(long evolutionSeed, int steps) {
    Nd4j.getRandom().setSeed(1);
    List<Parameter> seed = List.of(new Parameter("s.a", Nd4j.randn(DataType.FLOAT, 8, 5), true),
        new Parameter("s.b", Nd4j.randn(DataType.FLOAT, 5), true));
    List<List<Parameter>> evolved = new ArrayList<>();
    for (int n = 2; n <= 4; n++) {
      evolved.add(List.of(new Parameter("e" + n + ".a", Nd4j.zeros(DataType.FLOAT, 8, 5), false),
          new Parameter("e" + n + ".b", Nd4j.zeros(DataType.FLOAT, 5), false)));
    }
    AdamW opt = new AdamW(AdamWConfig.withDefaults(1e-2, 0.01), seed);
    Random grads = new Random(9);
    try (ExpertEvolution evo = new ExpertEvolution(
        new EvolutionConfig(EvolutionRule.PARTIAL_UPDATE, EvolutionConfig.defaultRanges(4), evolutionSeed), seed, evolved)) {
      evo.copySeedIntoEvolved();
      for (int s = 0; s < steps; s++) {
        for (Parameter p : seed) {
          p.grad().assign(Nd4j.randn(DataType.FLOAT, p.value().shape()).muli(grads.nextDouble()));
        }
        evo.beforeStep();
        opt.step();
        evo.afterStep();
      }
    }
    List<float[]> out = new ArrayList<>();
    for (Parameter p : seed) {
      out.add(p.value().reshape(-1).toFloatVector());
    }
    for (List<Parameter> e : evolved) {
      for (Parameter p : e) {
        out.add(p.value().reshape(-1).toFloatVector());
      }
    }
    return out;
  }

  @Test
  void sameSeedGivesBitIdenticalExpertsAndAnotherSeedDoesNot() {
    List<float[]> a = run(77, 12);
    List<float[]> b = run(77, 12);
    List<float[]> c = run(78, 12);
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i), b.get(i), 0f, "tensor " + i);
    }
    // The seed expert does not depend on the evolution seed; the evolved ones do.
    assertArrayEquals(a.get(0), c.get(0), 0f);
    for (int i = 2; i < a.size(); i++) {
      assertFalse(java.util.Arrays.equals(a.get(i), c.get(i)), "tensor " + i + " depends on the seed");
    }
  }

  @Test
  void exportedStateResumesBitIdentically() {
    List<Parameter> seed = seedExpert();
    List<List<Parameter>> evolved = List.of(evolvedExpert(2, S0, S1), evolvedExpert(3, S0, S1));
    EvolutionConfig cfg = new EvolutionConfig(EvolutionRule.EMA, EvolutionConfig.defaultRanges(3), 5);
    ExpertEvolution evo = new ExpertEvolution(cfg, seed, evolved);
    double[] d = {0.1, -0.1, 0.2};
    for (int s = 0; s < 3; s++) {
      evo.beforeStep();
      addTo(seed.get(0), d);
      evo.afterStep();
    }
    EvolutionState saved = evo.exportState();
    assertEquals(3, saved.steps());
    assertArrayEquals(evo.lastBetas(), saved.lastBetas(), 0.0);
    List<Parameter> seed2 = List.of(tensor("experts.0.w0", flat(seed.get(0)), true), tensor("experts.0.w1", flat(seed.get(1)), true));
    List<List<Parameter>> evolved2 = List.of(
        evolvedExpert(2, flat(evolved.get(0).get(0)), flat(evolved.get(0).get(1))),
        evolvedExpert(3, flat(evolved.get(1).get(0)), flat(evolved.get(1).get(1))));
    ExpertEvolution resumed = new ExpertEvolution(cfg, seed2, evolved2);
    resumed.restoreState(saved);
    assertEquals(saved, resumed.exportState());
    for (int s = 0; s < 4; s++) {
      evo.beforeStep();
      addTo(seed.get(0), d);
      evo.afterStep();
      resumed.beforeStep();
      addTo(seed2.get(0), d);
      resumed.afterStep();
      assertArrayEquals(evo.lastBetas(), resumed.lastBetas(), 0.0);
    }
    for (int e = 0; e < 2; e++) {
      for (int i = 0; i < 2; i++) {
        assertArrayEquals(flat(evolved.get(e).get(i)), flat(evolved2.get(e).get(i)), 0.0);
      }
    }
    assertEquals(evo.exportState(), resumed.exportState());
    // Restoring into a run with another rule or expert count is refused.
    var rule = assertThrows(IllegalArgumentException.class, () -> new ExpertEvolution(
        cfg.withRule(EvolutionRule.PARTIAL_UPDATE), seedExpert(),
        List.of(evolvedExpert(2, S0, S1), evolvedExpert(3, S0, S1))).restoreState(saved));
    assertTrue(rule.getMessage().contains("EMA") && rule.getMessage().contains("PARTIAL_UPDATE"), rule.getMessage());
    var count = assertThrows(IllegalArgumentException.class, () -> new ExpertEvolution(
        new EvolutionConfig(EvolutionRule.EMA, EvolutionConfig.defaultRanges(2), 5), seedExpert(),
        List.of(evolvedExpert(2, S0, S1))).restoreState(saved));
    assertTrue(count.getMessage().contains("2 evolved experts"), count.getMessage());
  }

  @Test
  void copySeedIntoEvolvedStartsStageTwoFromCopies() {
    List<Parameter> seed = seedExpert();
    List<List<Parameter>> evolved = List.of(evolvedExpert(2, new double[3], new double[4]));
    try (ExpertEvolution evo = new ExpertEvolution(EvolutionConfig.paperDefaults(2, 0), seed, evolved)) {
      evo.copySeedIntoEvolved();
      assertArrayEquals(S0, flat(evolved.get(0).get(0)), 0.0);
      assertArrayEquals(S1, flat(evolved.get(0).get(1)), 0.0);
      assertFalse(evolved.get(0).get(0).value() == seed.get(0).value());
    }
  }

  @Test
  void trainableEvolvedExpertsAreRejected() {
    List<Parameter> seed = seedExpert();
    List<Parameter> trainable = List.of(tensor("experts.1.w0", S0, false), tensor("experts.1.w1", S1, true));
    var e = assertThrows(IllegalStateException.class,
        () -> new ExpertEvolution(EvolutionConfig.paperDefaults(2, 0), seed, List.of(trainable)));
    assertTrue(e.getMessage().contains("experts.1.w1") && e.getMessage().contains("expert 2"), e.getMessage());

    List<List<Parameter>> evolved = List.of(evolvedExpert(2, S0, S1));
    ExpertEvolution evo = new ExpertEvolution(EvolutionConfig.paperDefaults(2, 0), seed, evolved);
    evolved.get(0).get(0).setTrainable(true); // unfrozen later by mistake
    var later = assertThrows(IllegalStateException.class, evo::beforeStep);
    assertTrue(later.getMessage().contains("experts.1.w0"), later.getMessage());

    List<Parameter> frozenSeed = List.of(tensor("experts.0.w0", S0, false), tensor("experts.0.w1", S1, true));
    var s = assertThrows(IllegalStateException.class,
        () -> new ExpertEvolution(EvolutionConfig.paperDefaults(2, 0), frozenSeed, List.of(evolvedExpert(2, S0, S1))));
    assertTrue(s.getMessage().contains("experts.0.w0"), s.getMessage());
  }

  @Test
  void mismatchedExpertsAreRejected() {
    List<Parameter> seed = seedExpert();
    var count = assertThrows(IllegalArgumentException.class,
        () -> new ExpertEvolution(EvolutionConfig.paperDefaults(4, 0), seed, List.of(evolvedExpert(2, S0, S1))));
    assertTrue(count.getMessage().contains("3 evolved experts") && count.getMessage().contains("1 evolved"), count.getMessage());
    var size = assertThrows(IllegalArgumentException.class, () -> new ExpertEvolution(
        EvolutionConfig.paperDefaults(2, 0), seed, List.of(List.of(tensor("experts.1.w0", S0, false)))));
    assertTrue(size.getMessage().contains("expert 2 has 1 parameters"), size.getMessage());
    var shape = assertThrows(IllegalArgumentException.class, () -> new ExpertEvolution(
        EvolutionConfig.paperDefaults(2, 0), seed,
        List.of(List.of(tensor("experts.1.w0", S0, false), tensor("experts.1.w1", new double[] {1, 2, 3}, false)))));
    assertTrue(shape.getMessage().contains("experts.1.w1") && shape.getMessage().contains("[2, 2]"), shape.getMessage());
    var type = assertThrows(IllegalArgumentException.class, () -> new ExpertEvolution(
        EvolutionConfig.paperDefaults(2, 0), seed,
        List.of(List.of(new Parameter("experts.1.w0", Nd4j.zeros(DataType.FLOAT, 3), false), tensor("experts.1.w1", S1, false)))));
    assertTrue(type.getMessage().contains("FLOAT") && type.getMessage().contains("DOUBLE"), type.getMessage());
    Parameter shared = tensor("experts.1.w0", S0, false);
    var alias = assertThrows(IllegalArgumentException.class, () -> new ExpertEvolution(
        EvolutionConfig.paperDefaults(3, 0), seed,
        List.of(List.of(shared, tensor("a", S1, false)), List.of(shared, tensor("b", S1, false)))));
    assertTrue(alias.getMessage().contains("experts.1.w0") && alias.getMessage().contains("expert 2"), alias.getMessage());
  }

  @Test
  void callsOutOfOrderAreRejected() {
    ExpertEvolution evo = new ExpertEvolution(EvolutionConfig.paperDefaults(2, 0), seedExpert(), List.of(evolvedExpert(2, S0, S1)));
    assertThrows(IllegalStateException.class, evo::afterStep);
    evo.beforeStep();
    assertThrows(IllegalStateException.class, evo::beforeStep);
    assertThrows(IllegalStateException.class, () -> evo.restoreState(evo.exportState()));
    evo.afterStep();
    evo.close();
    assertThrows(IllegalStateException.class, evo::beforeStep);
  }
}
