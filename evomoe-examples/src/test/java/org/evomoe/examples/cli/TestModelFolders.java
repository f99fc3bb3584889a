package org.evomoe.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.evomoe.examples.checkpoint.ModelCheckpoint;
import org.evomoe.examples.checkpoint.ModelSpec;
import org.evomoe.examples.checkpoint.MoeMode;
import org.evomoe.examples.model.ModelConfig;
import org.evomoe.examples.model.MoeSettings;
import org.evomoe.examples.model.VisionConfig;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.text.WordTokenizer;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.router.RouterKind;
import org.nd4j.linalg.api.buffer.DataType;

/** Small model folders for the command-line tests: 56 x 56 canvases as the data set's. */
final class TestModelFolders {
  private TestModelFolders() {}

  static WordTokenizer tokenizer() {
    return WordTokenizer.build(List.of("is there a red bag on the left ? yes no what top"));
  }

  /** A model folder of the given router kind and mode, written to {@code dir}. */
  static Path save(Path dir, RouterKind kind, MoeMode mode, long seed) throws IOException {
    WordTokenizer tok = tokenizer();
    VisionConfig vision = new VisionConfig(56, 56, 14, 8, 1, 2, 8, 1e-5);
    ModelConfig decoder = new ModelConfig(tok.vocabularySize() + 2, 8, 2, 2, 1, 12, 500.0, 1e-5,
        Set.of(0), new MoeSettings(3, new RoutingConfig(1, false, 0.01, 0.0, kind)));
    ModelSpec spec = new ModelSpec(decoder, vision, mode);
    VisionLanguageModel model =
        ModelCheckpoint.newModel(spec, DataType.FLOAT, new SplittableRandom(seed));
    ModelCheckpoint.save(dir, model, spec, tok);
    return dir;
  }

  /** A copy of a folder (files only, one level). */
  static Path copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> s = Files.list(from)) {
      for (Path p : s.toList()) {
        Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return to;
  }
}
