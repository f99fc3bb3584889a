package org.evomoe.examples.study;

import java.io.IOException;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.pipeline.DemoPipeline;

/**
 * Saves a trained model of the first seed ("stage1" and every arm) before its cell is marked
 * finished (the command line writes model checkpoints under {@code out/models/NAME}).
 */
@FunctionalInterface
public interface ModelSaver {
  void save(String name, VisionLanguageModel model, DemoPipeline pipeline) throws IOException;

  /** Saves nothing. */
  static ModelSaver none() {
    return (name, model, pipeline) -> {};
  }
}
