package org.evomoe.tuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.evomoe.evolution.EvolutionConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.moe.RoutingRecord;
import org.evomoe.router.RouterKind;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;

/** Stages use the layers' own routing, never change it, and put back what they change. */
class StageRestoresModelTest {
  private static final OptimSettings O = new OptimSettings(3, 1, 0.02, 0.0, 0.1, 0, 1.0);

  private static boolean[] flags(TunableModel m) {
    List<Parameter> ps = m.parameters();
    boolean[] f = new boolean[ps.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = ps.get(i).trainable();
    }
    return f;
  }

  private static MicroBatchStep step(ToyModel m, StageRunnerTest.Task task) {
    return (s, mb) -> m.trainStep(task.image, task.text, task.target);
  }

  @Test
  void everyStageLeavesRoutingForcedExpertAndTrainableFlagsAsTheyWere() {
    StageRunnerTest.Task task = new StageRunnerTest.Task();
    ToyModel m = StageRunnerTest.model();
    RoutingConfig user = new RoutingConfig(3, true, 0.05, 0.002, RouterKind.LINEAR);
    m.moe.setRouting(user);
    m.head.weight().setTrainable(false); // a user's own choice, not a stage's
    boolean[] before = flags(m);
    List<StageConfig> stages = List.of(Stages.alignment(O), Stages.warmup(O),
        Stages.evolution(O, EvolutionConfig.paperDefaults(4, 2)), Stages.dtr(O), Stages.moeLlava(O),
        Stages.denseContinued(O));
    for (StageConfig stage : stages) {
      StageRunner.run(m, stage, step(m, task));
      assertEquals(user, m.moe.routing(), stage.name() + " changed the layer's routing");
      assertEquals(-1, m.moe.forcedExpert(), stage.name() + " left the layer forced");
      assertTrue(java.util.Arrays.equals(before, flags(m)),
          stage.name() + " left trainable flags changed");
    }
  }

  @Test
  void afterEvolutionTheLayerRoutesAgain() {
    StageRunnerTest.Task task = new StageRunnerTest.Task();
    ToyModel m = StageRunnerTest.model();
    List<RoutingRecord> records = new ArrayList<>();
    StageRunner.run(m, Stages.evolution(O, EvolutionConfig.paperDefaults(4, 5)), step(m, task));
    m.moe.setRoutingListener(records::add);
    m.loss(task.image, task.text, task.target);
    assertTrue(records.get(0).routed(), "the layer is still forced to the seed after Stage II");
    for (Parameter p : m.parameters()) {
      assertTrue(p.trainable(), p.name() + " is still frozen after Stage II");
    }
  }

  @Test
  void routedStagesRunWithTheLayersOwnTopKAndAlpha() {
    StageRunnerTest.Task task = new StageRunnerTest.Task();
    ToyModel m = StageRunnerTest.model();
    RoutingConfig user = RoutingConfig.of(RouterKind.LINEAR, 3, 0.2);
    m.moe.setRouting(user);
    List<RoutingRecord> seen = new ArrayList<>();
    m.moe.setRoutingListener(seen::add);
    StageRunner.run(m, Stages.dtr(O), step(m, task));
    assertEquals(3, seen.size());
    for (RoutingRecord r : seen) {
      assertTrue(r.routed());
      assertEquals(3, r.topK(), "Stage III replaced the user's top-k");
    }
    assertEquals(user, m.moe.routing());
  }

  @Test
  void theMoeLlavaPresetTrainsWithRenormalisedTopTwoGates() {
    StageRunnerTest.Task task = new StageRunnerTest.Task();
    ToyModel m = StageRunnerTest.model();
    m.moe.setRouting(RoutingConfig.moeLlava());
    List<RoutingRecord> seen = new ArrayList<>();
    m.moe.setRoutingListener(seen::add);
    StageRunner.run(m, Stages.moeLlava(O).requiring(RoutingConfig.moeLlava()), step(m, task));
    assertEquals(3, seen.size());
    for (RoutingRecord r : seen) {
      assertEquals(2, r.topK());
      for (int t = 0; t < r.numTokens(); t++) {
        double sum = r.gates()[2 * t] + r.gates()[2 * t + 1];
        assertEquals(1.0, sum, 1e-12, "token " + t + ": gates do not sum to 1");
      }
    }
    // The same stage with raw gates: sums stay below 1, so the check above can fail.
    m.moe.setRouting(RoutingConfig.moeLlava().withRenormalize(false));
    seen.clear();
    StageRunner.run(m, Stages.moeLlava(O), step(m, task));
    RoutingRecord r = seen.get(0);
    assertTrue(r.gates()[0] + r.gates()[1] < 1 - 1e-6);
  }

  @Test
  void aStageThatRequiresAnotherRoutingRefusesBeforeChangingAnything() {
    ToyModel m = StageRunnerTest.model(); // top-1, alpha 0.001, linear
    boolean[] before = flags(m);
    RoutingConfig r = m.moe.routing();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new StageTrainer(m, Stages.moeLlava(O).requiring(RoutingConfig.moeLlava()),
            (s, mb) -> 0.0));
    assertTrue(e.getMessage().contains("requires routing") && e.getMessage().contains("layer 0"),
        e.getMessage());
    assertEquals(r, m.moe.routing());
    assertTrue(java.util.Arrays.equals(before, flags(m)));
  }

  @Test
  void aTrainerThatFailsToStartPutsTheFlagsBack() {
    ToyModel m = StageRunnerTest.model(); // 4 experts
    boolean[] before = flags(m);
    // Evolution for 3 experts does not fit the 4-expert layer: fails after freezing.
    assertThrows(IllegalArgumentException.class, () -> new StageTrainer(m,
        Stages.evolution(O, EvolutionConfig.paperDefaults(3, 1)), (s, mb) -> 0.0));
    assertTrue(java.util.Arrays.equals(before, flags(m)));
    assertEquals(-1, m.moe.forcedExpert());
  }
}
