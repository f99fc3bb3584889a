package org.evomoe.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.evomoe.examples.checkpoint.LoadedModel;
import org.evomoe.examples.checkpoint.ModelCheckpoint;
import picocli.CommandLine.Option;

/** Options shared by the commands that load a model checkpoint folder. */
final class CheckpointOptions {
  @Option(names = "--checkpoint", required = true,
      description = "Model checkpoint folder (config.json, model.safetensors, tokenizer.json).")
  Path checkpoint;

  @Option(names = "--threads", description = "CPU threads (default: number of cores).")
  Integer threads;

  LoadedModel load() throws java.io.IOException {
    if (!Files.isDirectory(checkpoint)) {
      throw new IllegalArgumentException("--checkpoint " + checkpoint + " is not a folder");
    }
    org.evomoe.tensor.Threads.set(threads == null ? Runtime.getRuntime().availableProcessors() : threads);
    return ModelCheckpoint.load(checkpoint);
  }
}
