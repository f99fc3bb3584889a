package org.evomoe.examples.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The four original Fashion-MNIST files found in one folder; each may be plain or gzipped.
 *
 * @param directory the folder holding them
 */
public record FashionMnistFiles(
    Path directory, Path trainImages, Path trainLabels, Path testImages, Path testLabels) {
  public FashionMnistFiles {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(trainImages, "trainImages");
    Objects.requireNonNull(trainLabels, "trainLabels");
    Objects.requireNonNull(testImages, "testImages");
    Objects.requireNonNull(testLabels, "testLabels");
  }

  /** Reads and validates both splits. */
  public FashionMnistDataset load() throws IOException {
    return new FashionMnistDataset(
        FashionMnistSplit.load(SplitKind.TRAIN, trainImages, trainLabels),
        FashionMnistSplit.load(SplitKind.TEST, testImages, testLabels));
  }
}
