package org.evomoe.examples.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Flags that {@code demo} and {@code study} share: the data, the first seed and step overrides. */
final class PipelineFlags {
  @Option(names = "--data", description = "Fashion-MNIST folder with the IDX files (default: the embedded subset).")
  Path data;

  @Option(names = "--seed", description = "First seed of data, weights and batch order (default: ${DEFAULT-VALUE}).")
  long seed = 1;

  @Option(names = "--steps", split = ",",
      description = "Override stage steps: alignment,stage1,stage2,stage3.")
  int[] steps;
}
