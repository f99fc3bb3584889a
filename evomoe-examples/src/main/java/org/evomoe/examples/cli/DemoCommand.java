package org.evomoe.examples.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.examples.study.Arm;
import org.evomoe.examples.study.RunOptions;
import org.evomoe.examples.study.StudyPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code evomoe demo}: the EvoMoE comparison on the embedded Fashion-MNIST data. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Projector alignment and Stage I per seed, then three arms from the same",
      "Stage I weights on the same batches: dense, MoE-LLaVA (copied experts,",
      "linear router, top-2 renormalised) and EvoMoE (evolution, then the DTR,",
      "top-1). Prints the results table with confidence intervals over seeds and",
      "writes results.json, report.html and its PNG charts to --out."
    })
public final class DemoCommand implements Callable<Integer> {
  @Option(names = "--quick", description = "The short variant (a few minutes on 2 cores).")
  boolean quick;

  @Option(names = "--out", description = "Output folder (default: runs/demo or runs/demo-quick).")
  Path out;

  @Option(names = "--seeds", description = "Number of seeds (default: the demo's, see docs/demo-results.md).")
  Integer seeds;

  @Mixin PipelineFlags pipeline;

  @Mixin RunFlags run;

  @Override
  public Integer call() throws Exception {
    DemoSettings s = Settings.common(DemoSettings.defaults(quick), pipeline.seed, seeds, out, pipeline.data, pipeline.steps);
    RunOptions o = run.apply(false);
    PipelineRun.execute(new StudyPlan("demo", s, Arm.DEMO), o, run.outputMode(), "demo" + (quick ? " --quick" : ""));
    return 0;
  }
}
