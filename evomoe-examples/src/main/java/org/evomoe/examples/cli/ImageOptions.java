package org.evomoe.examples.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.evomoe.examples.model.VisionConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** The optional image of a prompt: a picture file, or a canvas of the instruction test split. */
final class ImageOptions {
  static final class Choice {
    @Option(names = "--image", description = "PNG (or JPEG, GIF, BMP) file, scaled to the canvas size.")
    Path image;

    @Option(names = "--image-index", description = "Index among the test split's canvases.")
    Integer imageIndex;
  }

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Choice choice;

  @Option(names = "--data", description = "Fashion-MNIST folder for --image-index (default: embedded subset).")
  Path data;

  @Option(names = "--data-seed", description = "Seed of the instruction data for --image-index (default: ${DEFAULT-VALUE}).")
  long dataSeed = 1;

  /** The canvas pixels, or null when no image was asked for. */
  float[] pixels(VisionConfig vision) throws IOException {
    if (choice == null) {
      return null;
    }
    if (choice.image != null) {
      return ModelInputs.png(choice.image, vision.imageHeight(), vision.imageWidth());
    }
    if (data != null) {
      org.evomoe.examples.checkpoint.FileKinds.requireDirectory(data, "--data");
    }
    return ModelInputs.testSample(data, dataSeed, choice.imageIndex).pixels();
  }
}
