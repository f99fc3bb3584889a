package org.evomoe.examples.cli;

import org.evomoe.examples.pipeline.DemoPipeline;
import org.evomoe.examples.pipeline.DemoSettings;

/** Saves every model the pipeline trains as a checkpoint folder under {@code out/models/NAME}. */
final class ModelCheckpoints {
  private ModelCheckpoints() {}

  static void attach(DemoPipeline pipeline, DemoSettings s) {
    // Wired to ModelCheckpoint once the example model's checkpoint format is in place.
  }
}
