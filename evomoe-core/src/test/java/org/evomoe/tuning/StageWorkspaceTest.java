package org.evomoe.tuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.evomoe.evolution.EvolutionConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** A stage leaves no ND4J workspace allocated behind it, whether it runs to the end or closes early. */
class StageWorkspaceTest {
  static List<String> workspaces() {
    return List.copyOf(Nd4j.getWorkspaceManager().getAllWorkspacesIdsForCurrentThread());
  }

  @Test
  void aFinishedStageFreesItsStepWorkspace() {
    StageRunnerTest.Task task = new StageRunnerTest.Task();
    ToyModel m = StageRunnerTest.model();
    List<String> before = workspaces();
    OptimSettings o = new OptimSettings(3, 2, 0.01, 0.0, 0.0, 0.0, 1.0);
    for (StageConfig stage : List.of(Stages.warmup(o), Stages.evolution(o, EvolutionConfig.paperDefaults(4, 1)))) {
      boolean[] inWorkspace = {false};
      StageRunner.run(m, stage, (step, micro) -> {
        inWorkspace[0] |= Nd4j.getWorkspaceManager().anyWorkspaceActiveForCurrentThread();
        return m.trainStep(task.image, task.text, task.target);
      });
      assertTrue(inWorkspace[0], "the micro-batches ran in a step workspace");
      assertEquals(before, workspaces(), "workspaces left after " + stage.name());
    }
  }

  @Test
  void aStageClosedEarlyFreesItsStepWorkspace() {
    StageRunnerTest.Task task = new StageRunnerTest.Task();
    ToyModel m = StageRunnerTest.model();
    List<String> before = workspaces();
    try (StageTrainer t = new StageTrainer(m, Stages.warmup(OptimSettings.of(10, 0.01)),
        (step, micro) -> m.trainStep(task.image, task.text, task.target))) {
      t.step();
      t.step();
      assertEquals(before.size() + 1, workspaces().size(), "a running stage keeps its workspace between steps");
    }
    assertEquals(before, workspaces());
  }
}
