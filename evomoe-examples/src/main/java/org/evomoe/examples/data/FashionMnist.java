package org.evomoe.examples.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Entry point for loading Fashion-MNIST: the embedded subset by default, the full installed set on
 * request, or the four files in a folder the user names.
 */
public final class FashionMnist {
  private FashionMnist() {}

  /**
   * Loads from {@code directory} when given, else the embedded subset ({@link
   * EmbeddedFashionMnist}).
   */
  public static FashionMnistDataset load(Path directory) throws IOException {
    return directory == null ? EmbeddedFashionMnist.load() : loadDirectory(directory);
  }

  /** Loads the full set from the Debian install folder ({@link FashionMnistLocator}). */
  public static FashionMnistDataset loadInstalled() throws IOException {
    return FashionMnistLocator.locate(null).load();
  }

  /** Loads the four original files from {@code directory}. */
  public static FashionMnistDataset loadDirectory(Path directory) throws IOException {
    return FashionMnistLocator.locate(directory).load();
  }
}
