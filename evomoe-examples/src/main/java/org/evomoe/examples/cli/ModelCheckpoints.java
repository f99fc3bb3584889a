package org.evomoe.examples.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.evomoe.examples.checkpoint.ModelCheckpoint;
import org.evomoe.examples.checkpoint.ModelSpec;
import org.evomoe.examples.pipeline.DemoPipeline;
import org.evomoe.examples.pipeline.DemoSettings;

/** Saves every model the pipeline trains as a checkpoint folder under {@code out/models/NAME}. */
final class ModelCheckpoints {
  private ModelCheckpoints() {}

  static void attach(DemoPipeline pipeline, DemoSettings s) {
    pipeline.saveModelsWith((name, model) -> {
      Path dir = s.out().resolve("models").resolve(name);
      try {
        ModelCheckpoint.save(dir, model, ModelSpec.of(model), pipeline.tokenizer());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot save model checkpoint " + dir, e);
      }
    });
  }
}
