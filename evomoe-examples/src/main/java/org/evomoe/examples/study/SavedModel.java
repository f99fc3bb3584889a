package org.evomoe.examples.study;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.evomoe.checkpoint.AtomicFiles;
import org.evomoe.examples.checkpoint.ModelCheckpoint;
import org.evomoe.examples.checkpoint.ModelSpec;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.pipeline.DemoPipeline;

/**
 * A trained model of the first seed as the files of its checkpoint folder ({@link
 * ModelCheckpoint}), so that it can travel from the Spark task that trained it to the driver,
 * which hands it to its {@link ModelSaver} as a model again.
 *
 * @param name the model's name ("stage1" or the arm)
 * @param files the folder's files by name (config.json, model.safetensors, tokenizer.json)
 */
public record SavedModel(String name, TreeMap<String, byte[]> files) implements Serializable {
  public SavedModel {
    if (name == null || name.isEmpty() || files == null || files.isEmpty()) {
      throw new IllegalArgumentException("a saved model needs a name and files");
    }
  }

  /** Saves {@code model} as a checkpoint folder {@code NAME} under {@code tmp} and reads it back. */
  static SavedModel of(String name, VisionLanguageModel model, DemoPipeline pipeline, Path tmp)
      throws IOException {
    Path dir = tmp.resolve(name);
    ModelCheckpoint.save(dir, model, ModelSpec.of(model), pipeline.tokenizer());
    TreeMap<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        files.put(f.getFileName().toString(), Files.readAllBytes(f));
      }
    }
    return new SavedModel(name, files);
  }

  /**
   * Writes the files into a folder {@code NAME} under {@code tmp}, loads the model from it and
   * gives it to {@code saver} (the same files as a save in the training JVM: the checkpoint format
   * round-trips exactly).
   */
  void saveWith(ModelSaver saver, DemoPipeline pipeline, Path tmp) throws IOException {
    Path dir = tmp.resolve(name);
    Files.createDirectories(dir);
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      AtomicFiles.writeBytes(dir.resolve(e.getKey()), e.getValue());
    }
    saver.save(name, ModelCheckpoint.load(dir).model(), pipeline);
  }
}
