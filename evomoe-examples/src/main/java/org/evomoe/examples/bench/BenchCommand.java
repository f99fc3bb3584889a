package org.evomoe.examples.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code evomoe bench ...}: benchmarks whose results are recorded in docs/performance.md. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks: sparse MoE layer speed, memory over many steps, the training-regime sweep, one training step.",
    subcommands = {MoeBenchmark.class, MemoryBenchmark.class, GenerationBenchmark.class,
        RegimeSweep.class, TrainBenchmark.class})
public final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
