package org.evomoe.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A {@code train --config} file for a tiny two-arm run (moe-llava and evomoe, seconds per run). */
final class TinyTrain {
  private TinyTrain() {}

  static Path writeConfig(Path dir) throws IOException {
    Path cfg = dir.resolve("config.json");
    Files.writeString(cfg, "{\"quick\": true, \"arms\": [\"moe-llava\", \"evomoe\"], \"settings\":"
        + " {\"alignSteps\": 2, \"stage1Steps\": 8, \"stage2Steps\": 6, \"stage3Steps\": 6,"
        + " \"batchSize\": 8, \"evalSamples\": 24, \"diagnosticSamples\": 12, \"dModel\": 32,"
        + " \"ffnHidden\": 64, \"dVision\": 16}}");
    return cfg;
  }
}
