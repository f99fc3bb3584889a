package org.evomoe.examples.cli;

import org.evomoe.examples.checkpoint.FileKinds;
import java.nio.file.Path;
import org.evomoe.examples.checkpoint.LoadedModel;
import org.evomoe.examples.checkpoint.ModelCheckpoint;
import picocli.CommandLine.Option;

/** Options shared by the commands that load a model checkpoint folder. */
final class CheckpointOptions {
  @Option(names = "--checkpoint", required = true,
      description = "Model checkpoint folder (config.json, model.safetensors, tokenizer.json).")
  Path checkpoint;

  @Option(names = "--threads", description = "CPU threads (default: 1, the faster count for"
      + " decoding and scoring models of the example's size; see docs/performance.md).")
  Integer threads;

  LoadedModel load() throws java.io.IOException {
    FileKinds.requireDirectory(checkpoint, "--checkpoint");
    if (threads != null && (threads < 1 || threads > 1024)) {
      throw new IllegalArgumentException("--threads must be in [1, 1024], got " + threads);
    }
    // One thread by default: on 2 idle cores the example models decode 1.9-2.7x faster on one
    // thread than on two (dispatch-bound: one token per sequence per step), docs/performance.md.
    org.evomoe.tensor.Threads.set(threads == null ? 1 : threads);
    RunConsistency.checkModelFolder(checkpoint, System.err);
    return ModelCheckpoint.load(checkpoint);
  }
}
