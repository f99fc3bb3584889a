package org.evomoe.examples.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The small Fashion-MNIST subset shipped with the project: {@value #TRAIN_PER_CLASS} training
 * images and {@value #TEST_PER_CLASS} test images of each class ({@value #TRAIN_SIZE} + {@value
 * #TEST_SIZE}), picked from the full set by {@link FashionMnistSubsetGenerator} with seed {@value
 * #SEED}, stored as gzipped IDX files under the original names.
 *
 * <p>It lives in the repository at {@code src-test-data/fashion-mnist/} and is packaged into the
 * examples jar under the classpath folder {@code fashion-mnist/}. {@link #load()} reads it from the
 * classpath first, then from {@code src-test-data/fashion-mnist} in the working folder or any
 * folder above it (so it works from the repository root and from the module folder).
 */
public final class EmbeddedFashionMnist {
  /** Training images per class. */
  public static final int TRAIN_PER_CLASS = 100;
  /** Test images per class. */
  public static final int TEST_PER_CLASS = 30;
  /** Training images in all. */
  public static final int TRAIN_SIZE = TRAIN_PER_CLASS * FashionMnistClass.COUNT;
  /** Test images in all. */
  public static final int TEST_SIZE = TEST_PER_CLASS * FashionMnistClass.COUNT;
  /** Seed of the class-balanced selection. */
  public static final long SEED = 20170825L;

  /** Classpath folder of the packaged subset (no leading slash). */
  public static final String RESOURCE_FOLDER = "fashion-mnist";
  /** Repository-relative folder of the subset. */
  public static final Path REPOSITORY_FOLDER = Path.of("src-test-data", "fashion-mnist");

  private EmbeddedFashionMnist() {}

  /** Loads the subset from the classpath, else from the repository folder. */
  public static FashionMnistDataset load() throws IOException {
    Optional<FashionMnistDataset> fromClasspath =
        loadFromClasspath(EmbeddedFashionMnist.class.getClassLoader());
    if (fromClasspath.isPresent()) {
      return fromClasspath.get();
    }
    Path workingDir = Path.of("").toAbsolutePath();
    Optional<Path> dir = findDirectory(workingDir);
    if (dir.isEmpty()) {
      throw new FileNotFoundException(
          "embedded Fashion-MNIST subset not found: no classpath resource "
              + RESOURCE_FOLDER
              + "/"
              + SplitKind.TRAIN.imagesFileName()
              + ".gz and no folder "
              + REPOSITORY_FOLDER
              + " in "
              + workingDir
              + " or any folder above it");
    }
    return FashionMnistLocator.locate(dir.get()).load();
  }

  /**
   * Loads the subset from classpath resources {@code fashion-mnist/*.gz}, or returns empty when
   * the training images resource is absent.
   */
  public static Optional<FashionMnistDataset> loadFromClasspath(ClassLoader loader)
      throws IOException {
    if (loader.getResource(resource(SplitKind.TRAIN.imagesFileName())) == null) {
      return Optional.empty();
    }
    return Optional.of(
        new FashionMnistDataset(
            loadSplit(loader, SplitKind.TRAIN), loadSplit(loader, SplitKind.TEST)));
  }

  /**
   * The subset folder {@code src-test-data/fashion-mnist} in {@code start} or the nearest folder
   * above it that has one.
   */
  public static Optional<Path> findDirectory(Path start) {
    for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve(REPOSITORY_FOLDER);
      if (Files.isRegularFile(candidate.resolve(SplitKind.TRAIN.imagesFileName() + ".gz"))) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static FashionMnistSplit loadSplit(ClassLoader loader, SplitKind kind)
      throws IOException {
    String images = resource(kind.imagesFileName());
    String labels = resource(kind.labelsFileName());
    try (InputStream in = open(loader, images);
        InputStream lab = open(loader, labels)) {
      return FashionMnistSplit.load(kind, in, "classpath:" + images, lab, "classpath:" + labels);
    }
  }

  private static InputStream open(ClassLoader loader, String name) throws IOException {
    InputStream in = loader.getResourceAsStream(name);
    if (in == null) {
      throw new FileNotFoundException("classpath resource " + name + " is missing");
    }
    return in;
  }

  private static String resource(String baseName) {
    return RESOURCE_FOLDER + "/" + baseName + ".gz";
  }
}
