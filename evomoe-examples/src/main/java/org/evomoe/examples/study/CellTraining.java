package org.evomoe.examples.study;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.evomoe.checkpoint.ModelWeights;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.pipeline.DemoPipeline;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.examples.pipeline.PipelineDiagnostics;
import org.evomoe.tuning.StageResult;

/**
 * Trains one cell of a study in this JVM: the code every cell runs, whether {@link StudyRunner}
 * runs it in its own process or a Spark task runs it on an executor ({@link CellTask}). Only the
 * folders differ: the runner's checkpoints and weights live in the output folder, a task's in a
 * temporary folder of the executor.
 */
final class CellTraining {
  private CellTraining() {}

  /**
   * Alignment and Stage I of {@code seed}; saves the Stage I weights (what every arm of the seed
   * starts from) to {@code weights}.
   *
   * @param s the plan's settings
   * @param p the seed's pipeline ({@code s} with the seed)
   * @param checkpoints the cell's checkpoint folder (resumed from when it holds checkpoints)
   * @param saver told about the Stage I model when {@code seed} is the plan's first seed
   */
  static Stage1Result stage1(DemoSettings s, DemoPipeline p, long seed, Path checkpoints,
      Path weights, int checkpointEvery, StepListener listener, StageSteps steps,
      ModelSaver saver) throws IOException {
    VisionLanguageModel m = ArmRecipe.stage1Model(p);
    ResumableStages.Outcome o = new ResumableStages(checkpoints, checkpointEvery,
        "seed-" + seed + "/stage1", listener, steps, null).run(m, p, ArmRecipe.stage1(s));
    ArmRecipe.seedOnly(m);
    Stage1Result r = new Stage1Result(seed, Scores.of(p.evaluate(m)), records("shared", o));
    ModelWeights.save(weights, m.parameters(), Map.of("evomoe", "stage1"));
    if (seed == s.seed()) {
      saver.save("stage1", m, p);
    }
    return r;
  }

  /**
   * One arm of {@code seed}, from the Stage I weights in {@code stage1Weights}.
   *
   * @param s the plan's settings
   * @param p the seed's pipeline ({@code s} with the seed)
   * @param checkpoints the cell's checkpoint folder (resumed from when it holds checkpoints)
   * @param saver told about the trained model when {@code seed} is the plan's first seed
   */
  static CellResult arm(DemoSettings s, DemoPipeline p, long seed, Arm arm, Path stage1Weights,
      Path checkpoints, int checkpointEvery, StepListener listener, StageSteps steps,
      ModelSaver saver) throws IOException {
    VisionLanguageModel m = ArmRecipe.model(p, arm);
    DemoPipeline.loadMatching(m, stage1Weights);
    ArmRecipe.initialise(m, arm);
    ResumableStages.Outcome o = new ResumableStages(checkpoints, checkpointEvery,
        "seed-" + seed + "/" + arm.armName(), listener, steps, arm)
        .run(m, p, ArmRecipe.stages(p.settings(), arm));
    if (arm.family() == ArmFamily.DENSE) {
      ArmRecipe.seedOnly(m);
    }
    Scores scores = Scores.of(p.evaluate(m));
    boolean first = seed == s.seed();
    PipelineDiagnostics diagnostics =
        first && arm.family() != ArmFamily.DENSE ? p.diagnostics(m) : PipelineDiagnostics.NONE;
    int budget = ArmRecipe.budget(s);
    CellResult r = new CellResult(seed, arm.armName(), arm.family().name().toLowerCase(Locale.ROOT),
        arm.evolution() == null ? null : arm.evolution().name().toLowerCase(Locale.ROOT),
        ArmRouting.of(m), o.trainableParameters(), budget, (long) budget * s.batchSize(), scores,
        records(arm.armName(), o), diagnostics);
    if (first) {
      saver.save(arm.armName(), m, p);
    }
    return r;
  }

  private static List<StageRecord> records(String arm, ResumableStages.Outcome o) {
    List<StageRecord> l = new ArrayList<>();
    for (int i = 0; i < o.stages().size(); i++) {
      StageResult r = o.stages().get(i);
      l.add(new StageRecord(arm, r.name(), r.losses().length, r.seconds(), r.trainedParameters(),
          r.frozenParameters(), r.losses(), o.validation().get(i), null));
    }
    return l;
  }
}
