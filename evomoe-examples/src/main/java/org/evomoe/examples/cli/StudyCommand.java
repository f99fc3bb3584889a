package org.evomoe.examples.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.examples.study.Arm;
import org.evomoe.examples.study.RunOptions;
import org.evomoe.examples.study.StudyPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code evomoe study}: the full paired multi-seed comparison. */
@Command(
    name = "study",
    mixinStandardHelpOptions = true,
    description = {
      "The paired multi-seed comparison. Per seed: one Stage I, then every arm",
      "from its weights on the same batches with the same step budget:",
      "  dense-continued;",
      "  upcycled copies x {linear, modality-linear, DTR} (MoE-LLaVA's recipe:",
      "    top-2 renormalised, alpha 0.01, experts and router train);",
      "  evolved seed x {linear, modality-linear, DTR} (EvoMoE's: Stage II",
      "    evolution, Stage III router only, top-1, alpha 0.001);",
      "  the EMA and LITERAL evolution readings with the DTR.",
      "Reports per arm the mean, standard deviation and 95%% CI of every task",
      "and of the average, and paired differences against moe-llava. Each",
      "finished (seed, arm) cell is saved: --resume continues a killed run."
    })
public final class StudyCommand implements Callable<Integer> {
  @Option(names = "--quick", description = "A smaller grid (the quick model, 3 seeds, 5 arms).")
  boolean quick;

  @Option(names = "--out", description = "Output folder (default: runs/study or runs/study-quick).")
  Path out;

  @Option(names = "--seeds", description = "Number of seeds (default: 5, or 3 with --quick).")
  Integer seeds;

  @Option(names = "--arms", split = ",", description = "Arms to run (default: every arm, or the quick grid).")
  List<String> arms;

  @Mixin PipelineFlags pipeline;

  @Mixin RunFlags run;

  @Mixin SparkFlags sparkFlags;

  @Override
  public Integer call() throws Exception {
    DemoSettings s = Settings.common(DemoSettings.study(quick), pipeline.seed, seeds, out, pipeline.data, pipeline.steps);
    List<Arm> chosen = new ArrayList<>();
    if (arms == null) {
      chosen.addAll(quick ? Arm.QUICK_STUDY : Arm.STUDY);
    } else {
      for (String a : arms) {
        chosen.add(Arm.of(a.trim()));
      }
    }
    sparkFlags.check(s, run.givenJobs(), SparkFlags.Split.CELLS);
    RunOptions o = run.apply(sparkFlags.enabled());
    sparkFlags.execute(new StudyPlan("study", s, chosen), o, run.outputMode(),
        "study" + (quick ? " --quick" : ""));
    return 0;
  }
}
