package org.evomoe.examples.cli;

import java.nio.file.Path;
import org.evomoe.examples.checkpoint.ModelCheckpoint;
import org.evomoe.examples.checkpoint.ModelSpec;
import org.evomoe.examples.study.ModelSaver;

/**
 * Saves every model of the first seed as a checkpoint folder under {@code out/models/NAME}, and
 * that seed's tokenizer as {@code out/tokenizer.json}.
 */
final class ModelCheckpoints {
  private ModelCheckpoints() {}

  static ModelSaver saver(Path out) {
    return (name, model, pipeline) -> {
      ModelCheckpoint.save(out.resolve("models").resolve(name), model, ModelSpec.of(model),
          pipeline.tokenizer());
      if (name.equals("stage1")) {
        pipeline.tokenizer().save(out.resolve("tokenizer.json"));
      }
    };
  }
}
