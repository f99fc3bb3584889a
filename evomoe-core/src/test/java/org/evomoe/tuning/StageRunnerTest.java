package org.evomoe.tuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.evomoe.TestArrays;
import org.evomoe.evolution.EvolutionConfig;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.LinearRouter;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class StageRunnerTest {
  static final int D = 6;

  /** A teacher FFN gives the targets: y = x + teacher(x). */
  static final class Task {
    final INDArray image = TestArrays.normal(1, 16, D);
    final INDArray text = TestArrays.normal(2, 16, D);
    final INDArray target;

    Task() {
      SwiGluFfn teacher = new SwiGluFfn("teacher", D, 12, DataType.DOUBLE, new SplittableRandom(77));
      INDArray x = org.nd4j.linalg.factory.Nd4j.vstack(image, text);
      target = x.add(teacher.forward(x));
    }
  }

  static ToyModel model() {
    return new ToyModel(D, 12, 4, rng -> new LinearRouter("model.layers.0.mlp.gate", D, 4, DataType.DOUBLE, rng), 5);
  }

  static Map<String, INDArray> snapshot(TunableModel m) {
    Map<String, INDArray> s = new HashMap<>();
    for (Parameter p : m.parameters()) {
      s.put(p.name(), p.value().dup());
    }
    return s;
  }

  /** Asserts exactly the parameters of the given roles changed; the others are bit-identical. */
  static void assertOnlyRolesChanged(TunableModel m, Map<String, INDArray> before, EnumSetHolder roles) {
    Map<Parameter, ParameterRole> r = ParameterRole.classify(m);
    for (Parameter p : m.parameters()) {
      boolean same = p.value().equals(before.get(p.name()))
          && TestArrays.maxAbsDiff(p.value(), before.get(p.name())) == 0.0;
      if (roles.set.contains(r.get(p))) {
        assertFalse(same, p.name() + " (" + r.get(p) + ") should have trained");
      } else {
        assertTrue(same, p.name() + " (" + r.get(p) + ") is frozen but changed");
      }
    }
  }

  record EnumSetHolder(java.util.Set<ParameterRole> set) {}

  @Test
  void eachStageTrainsExactlyItsRolesAndLeavesFrozenTensorsBitIdentical() {
    Task task = new Task();
    ToyModel m = model();
    OptimSettings o = new OptimSettings(5, 1, 0.01, 0.0, 0.0, 0.0, 1.0);
    // Stage order as in the pipeline.
    List<StageConfig> stages = List.of(
        Stages.alignment(o), Stages.warmup(o),
        Stages.evolution(o, EvolutionConfig.paperDefaults(4, 3)), Stages.dtr(o));
    for (StageConfig stage : stages) {
      Map<String, INDArray> before = snapshot(m);
      java.util.Set<ParameterRole> changes = EnumSet.copyOf(stage.trains());
      if (stage.evolution() != null) {
        changes.add(ParameterRole.EXPERT_OTHER); // moved by evolution, not by gradients
      }
      StageRunner.run(m, stage, (step, micro) -> {
        double loss = task.image == null ? 0 : m.trainStep(task.image, task.text, task.target);
        for (Parameter p : m.parameters()) {
          if (!stage.trains().contains(ParameterRole.classify(m).get(p))) {
            assertFalse(p.hasGrad(), p.name() + " is frozen in " + stage.name() + " but has a gradient");
            assertThrows(IllegalStateException.class, p::grad);
          }
        }
        return loss;
      });
      assertOnlyRolesChanged(m, before, new EnumSetHolder(changes));
    }
  }

  @Test
  void warmupLowersTheLossAndStageTwoGrowsDistinctExpertsThatEachStillSolveTheTask() {
    Task task = new Task();
    ToyModel m = model();
    double initial = m.loss(task.image, task.text, task.target);
    StageResult warm = StageRunner.run(m, Stages.warmup(new OptimSettings(150, 1, 0.02, 0.03, 0.1, 0, 1.0)),
        (s, mb) -> m.trainStep(task.image, task.text, task.target));
    double afterWarmup = m.loss(task.image, task.text, task.target);
    assertTrue(afterWarmup < 0.5 * initial, "warm-up: " + initial + " -> " + afterWarmup);
    assertEquals(150, warm.losses().length);

    StageResult evo = StageRunner.run(m,
        Stages.evolution(new OptimSettings(100, 1, 0.02, 0.03, 0.1, 0, 1.0), EvolutionConfig.paperDefaults(4, 9)),
        (s, mb) -> m.trainStep(task.image, task.text, task.target));
    assertTrue(evo.finalLoss(10) < afterWarmup, "stage II keeps improving the seed");
    List<SwiGluFfn> ex = m.moe.experts();
    for (int i = 0; i < 4; i++) {
      for (int j = i + 1; j < 4; j++) {
        assertNotEquals(0.0, TestArrays.maxAbsDiff(ex.get(i).gate().value(), ex.get(j).gate().value()),
            "experts " + i + " and " + j + " are identical");
      }
    }
    double seed = standaloneLoss(m, task, 0);
    for (int e = 1; e < 4; e++) {
      double l = standaloneLoss(m, task, e);
      // Stated bound: an evolved expert alone is no worse than the warmed-up model it started from.
      assertTrue(l <= afterWarmup * 1.001, "expert " + e + " alone: " + l + " vs warm-up " + afterWarmup);
      assertTrue(l >= seed * 0.999, "the seed trained most: expert " + e + " " + l + " < seed " + seed);
    }
  }

  static double standaloneLoss(ToyModel m, Task task, int expert) {
    m.moe.forceExpert(expert);
    try {
      return m.loss(task.image, task.text, task.target);
    } finally {
      m.moe.forceExpert(0);
    }
  }

  @Test
  void invalidStagesAreRejected() {
    OptimSettings o = OptimSettings.of(3, 0.01);
    assertThrows(IllegalArgumentException.class, () -> new StageConfig("x", EnumSet.noneOf(ParameterRole.class),
        StageRouting.SEED_ONLY, null, o));
    assertThrows(IllegalArgumentException.class, () -> new StageConfig("x", EnumSet.of(ParameterRole.ROUTER),
        StageRouting.SEED_ONLY, null, o));
    assertThrows(IllegalArgumentException.class, () -> new StageConfig("x",
        EnumSet.of(ParameterRole.EXPERT_SEED, ParameterRole.LANGUAGE), StageRouting.SEED_ONLY,
        EvolutionConfig.paperDefaults(4, 1), o));
    assertThrows(IllegalArgumentException.class, () -> new OptimSettings(0, 1, 0.1, 0, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new StageConfig("x",
        EnumSet.of(ParameterRole.EXPERT_SEED), StageRouting.SEED_ONLY, RoutingConfig.moeLlava(), null, o));
    ToyModel m = model();
    // The toy model has no vision encoder: a stage that trains only VISION trains nothing here.
    assertThrows(IllegalArgumentException.class, () -> StageRunner.run(m, new StageConfig("v",
        EnumSet.of(ParameterRole.VISION), StageRouting.SEED_ONLY, null, o), (s, mb) -> 0.0));
  }

  @Test
  void stoppingAndResumingIsBitIdenticalToAnUninterruptedRun() {
    Task task = new Task();
    OptimSettings o = new OptimSettings(12, 2, 0.02, 0.2, 0.1, 0.01, 0.5);
    // Uninterrupted: warm-up, then evolution for 12 steps.
    ToyModel a = model();
    StageRunner.run(a, Stages.warmup(o), (s, mb) -> a.trainStep(task.image, task.text, task.target));
    StageConfig evo = Stages.evolution(o, EvolutionConfig.paperDefaults(4, 4));
    StageResult full = StageRunner.run(a, evo, (s, mb) -> a.trainStep(task.image, task.text, task.target));

    // Interrupted after 5 steps: weights and trainer state copied out, a fresh model resumes.
    ToyModel b = model();
    StageRunner.run(b, Stages.warmup(o), (s, mb) -> b.trainStep(task.image, task.text, task.target));
    Map<String, INDArray> weights;
    TrainerState state;
    try (StageTrainer t = new StageTrainer(b, evo, (s, mb) -> b.trainStep(task.image, task.text, task.target))) {
      for (int i = 0; i < 5; i++) {
        t.step();
      }
      weights = snapshot(b);
      state = t.exportState();
    }
    ToyModel c = model();
    for (Parameter p : c.parameters()) {
      p.value().assign(weights.get(p.name()));
    }
    StageResult resumed;
    try (StageTrainer t = new StageTrainer(c, evo, (s, mb) -> c.trainStep(task.image, task.text, task.target))) {
      t.restoreState(state);
      resumed = t.runToEnd(null);
    }
    org.junit.jupiter.api.Assertions.assertArrayEquals(full.losses(), resumed.losses());
    for (Parameter p : a.parameters()) {
      INDArray other = c.parameters().stream().filter(q -> q.name().equals(p.name())).findFirst()
          .orElseThrow().value();
      assertEquals(0.0, TestArrays.maxAbsDiff(p.value(), other), p.name() + " differs after resume");
    }
  }

  /** Two LANGUAGE layers without MoE: a step reaches {@code a} always, {@code b} when it is told to. */
  static final class TwoLayers implements TunableModel {
    final org.evomoe.nn.Linear a;
    final org.evomoe.nn.Linear b;
    final INDArray x = TestArrays.normal(3, 8, D);

    TwoLayers() {
      SplittableRandom rng = new SplittableRandom(5);
      a = new org.evomoe.nn.Linear("model.a", D, D, true, DataType.DOUBLE, rng);
      b = new org.evomoe.nn.Linear("model.b", D, D, true, DataType.DOUBLE, rng);
    }

    @Override
    public List<Parameter> parameters() {
      List<Parameter> l = new java.util.ArrayList<>(a.parameters());
      l.addAll(b.parameters());
      return l;
    }

    @Override
    public List<org.evomoe.moe.MoeLayer> moeLayers() {
      return List.of();
    }

    /** Mean squared output of {@code a}, plus that of {@code b} when {@code withB}; backward. */
    double step(boolean withB) {
      double loss = 0;
      for (org.evomoe.nn.Linear l : withB ? List.of(a, b) : List.of(a)) {
        INDArray y = l.forward(x);
        loss += y.mul(y).sumNumber().doubleValue() / y.length();
        l.backward(y.mul(2.0 / y.length()));
      }
      return loss;
    }
  }

  /**
   * A parameter that trained before a checkpoint but that the first resumed step does not reach
   * (an expert that gets no token) moves by its momentum in the uninterrupted run, whose gradient
   * buffer (zeroed) lasts from step to step; the resumed run must move it too.
   */
  @Test
  void aParameterTheResumedStepDoesNotReachMovesAsInAnUninterruptedRun() {
    OptimSettings o = new OptimSettings(8, 1, 0.05, 0.0, 0.1, 0.01, 1.0);
    StageConfig stage = Stages.warmup(o);
    // b is reached on steps 0, 1, 3, 4, 6, 7: not on step 5, the first one after the checkpoint.
    java.util.function.IntPredicate reachesB = s -> s % 3 != 2;
    TwoLayers full = new TwoLayers();
    StageResult uninterrupted =
        StageRunner.run(full, stage, (s, mb) -> full.step(reachesB.test(s)));

    TwoLayers killed = new TwoLayers();
    Map<String, INDArray> weights;
    TrainerState state;
    try (StageTrainer t = new StageTrainer(killed, stage, (s, mb) -> killed.step(reachesB.test(s)))) {
      for (int i = 0; i < 5; i++) {
        t.step();
      }
      weights = snapshot(killed);
      state = t.exportState();
    }
    TwoLayers resumed = new TwoLayers();
    for (Parameter p : resumed.parameters()) {
      p.value().assign(weights.get(p.name()));
    }
    StageResult after;
    try (StageTrainer t = new StageTrainer(resumed, stage, (s, mb) -> resumed.step(reachesB.test(s)))) {
      t.restoreState(state);
      after = t.runToEnd(null);
    }
    org.junit.jupiter.api.Assertions.assertArrayEquals(uninterrupted.losses(), after.losses());
    for (int i = 0; i < full.parameters().size(); i++) {
      assertEquals(0.0, TestArrays.maxAbsDiff(full.parameters().get(i).value(),
          resumed.parameters().get(i).value()), full.parameters().get(i).name());
    }
  }
}
