package org.evomoe.examples.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.evomoe.examples.pipeline.DemoPipeline;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.tensor.Threads;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code evomoe demo}: the whole EvoMoE pipeline on the embedded Fashion-MNIST data. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Projector alignment and Stage I, then three arms from the same Stage I weights with the same",
      "step budget: dense, MoE-LLaVA (copied experts, linear router, top-2) and EvoMoE (evolution,",
      "then the DTR, top-1). Prints the results table and writes results.json, report.html and",
      "its PNG charts to --out."
    })
public final class DemoCommand implements Callable<Integer> {
  @Option(names = "--quick", description = "The short variant (about 2 minutes on 2 cores).")
  boolean quick;

  @Option(names = "--out", description = "Output folder (default: runs/demo or runs/demo-quick).")
  Path out;

  @Option(names = "--data", description = "Fashion-MNIST folder with the IDX files (default: the embedded subset).")
  Path data;

  @Option(names = "--seed", description = "Seed of data, weights and batch order (default: ${DEFAULT-VALUE}).")
  long seed = 1;

  @Option(names = "--threads", description = "CPU threads (default: number of cores).")
  Integer threads;

  @Option(names = "--steps", split = ",",
      description = "Override stage steps: alignment,stage1,stage2,stage3.")
  int[] steps;

  @Override
  public Integer call() throws Exception {
    DemoSettings s = DemoSettings.defaults(quick).withSeed(seed);
    if (out != null) {
      s = s.withOut(out);
    }
    if (data != null) {
      org.evomoe.examples.checkpoint.FileKinds.requireDirectory(data, "--data");
      s = s.withDataDir(data);
    }
    if (threads != null && (threads < 1 || threads > 1024)) {
      throw new IllegalArgumentException("--threads must be in [1, 1024], got " + threads);
    }
    if (steps != null) {
      if (steps.length != 4) {
        throw new IllegalArgumentException("--steps needs 4 values: alignment,stage1,stage2,stage3");
      }
      s = s.withSteps(steps[0], steps[1], steps[2], steps[3]);
    }
    Threads.set(threads == null ? Runtime.getRuntime().availableProcessors() : threads);
    PipelineRun.execute(s, DemoPipeline.ARMS, "demo" + (quick ? " --quick" : ""));
    return 0;
  }
}
