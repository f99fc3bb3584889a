package org.evomoe.examples.data;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the full Fashion-MNIST data set on disk.
 *
 * <p>By default it looks where the Debian package {@code dataset-fashion-mnist} installs the
 * files ({@link #DEFAULT_DIRECTORIES}); a user-given folder replaces the defaults. A folder
 * qualifies when it holds the four original files, {@code train-images-idx3-ubyte}, {@code
 * train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte},
 * each under that name or with a {@code .gz} suffix (the readers detect compression from the
 * content, so either may hold plain or gzipped bytes).
 */
public final class FashionMnistLocator {
  /** Where {@code apt-get install dataset-fashion-mnist} puts the files (per dpkg -L). */
  public static final List<Path> DEFAULT_DIRECTORIES =
      List.of(Path.of("/usr/share/datasets/fashion-mnist"));

  private FashionMnistLocator() {}

  /**
   * Finds the files in {@code directory}, or in the default install folders when it is null.
   *
   * @throws FileNotFoundException naming every folder searched and every file missing
   */
  public static FashionMnistFiles locate(Path directory) throws FileNotFoundException {
    return locate(directory == null ? DEFAULT_DIRECTORIES : List.of(directory), directory != null);
  }

  /** Finds the files in the first of {@code candidates} that holds all four. */
  static FashionMnistFiles locate(List<Path> candidates, boolean userGiven)
      throws FileNotFoundException {
    StringBuilder report = new StringBuilder();
    for (Path dir : candidates) {
      List<String> missing = new ArrayList<>();
      Path trainImages = find(dir, SplitKind.TRAIN.imagesFileName(), missing);
      Path trainLabels = find(dir, SplitKind.TRAIN.labelsFileName(), missing);
      Path testImages = find(dir, SplitKind.TEST.imagesFileName(), missing);
      Path testLabels = find(dir, SplitKind.TEST.labelsFileName(), missing);
      if (missing.isEmpty()) {
        return new FashionMnistFiles(dir, trainImages, trainLabels, testImages, testLabels);
      }
      report.append("\n  ").append(dir.toAbsolutePath());
      if (!Files.isDirectory(dir)) {
        report.append(": no such folder");
      } else {
        report.append(": missing ").append(String.join(", ", missing));
      }
    }
    String advice =
        userGiven
            ? "Pass a folder holding the four original Fashion-MNIST files (plain or .gz)."
            : "Install the Debian package (apt-get install dataset-fashion-mnist) or pass a folder"
                + " holding the four original Fashion-MNIST files (plain or .gz).";
    throw new FileNotFoundException("Fashion-MNIST not found. Looked in:" + report + "\n" + advice);
  }

  private static Path find(Path dir, String baseName, List<String> missing) {
    for (String name : List.of(baseName + ".gz", baseName)) {
      Path p = dir.resolve(name);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    missing.add(baseName + "[.gz]");
    return null;
  }
}
