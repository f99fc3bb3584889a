package org.evomoe.examples.checkpoint;

import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.text.WordTokenizer;

/**
 * A model read back by {@link ModelCheckpoint#load}.
 *
 * @param model the rebuilt model (float32) with the saved weights; every parameter trainable
 * @param spec the specification it was rebuilt from (config.json)
 * @param tokenizer the vocabulary saved with it (tokenizer.json)
 */
public record LoadedModel(VisionLanguageModel model, ModelSpec spec, WordTokenizer tokenizer) {
  public LoadedModel {
    if (model == null || spec == null || tokenizer == null) {
      throw new IllegalArgumentException("model, spec and tokenizer must not be null");
    }
  }
}
