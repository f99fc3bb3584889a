package org.evomoe.examples.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.evomoe.examples.data.idx.IdxWriter;

/**
 * Builds the embedded Fashion-MNIST subset from the full set: a class-balanced random sample
 * without replacement, in the original file order, written as gzipped IDX files under the original
 * names.
 *
 * <p>Selection: one {@link java.util.Random} seeded with the seed draws the training subset
 * (classes 0..9 in turn, {@code perClass} indices of each class by a partial Fisher-Yates shuffle
 * of that class's indices), then the test subset the same way; each subset is then sorted by
 * original index. The same inputs and seed always give the same subset.
 *
 * <p>Run: {@code java -cp evomoe-examples/target/classes
 * org.evomoe.examples.data.FashionMnistSubsetGenerator [--source DIR] [--out DIR]
 * [--train-per-class N] [--test-per-class N] [--seed S]}; the defaults rebuild {@code
 * src-test-data/fashion-mnist} from the Debian install folder.
 */
public final class FashionMnistSubsetGenerator {
  private FashionMnistSubsetGenerator() {}

  /** Picks {@code trainPerClass} / {@code testPerClass} images of each class from {@code full}. */
  public static FashionMnistDataset select(
      FashionMnistDataset full, int trainPerClass, int testPerClass, long seed) {
    Random rng = new Random(seed);
    return new FashionMnistDataset(
        selectBalanced(full.train(), trainPerClass, rng, seed),
        selectBalanced(full.test(), testPerClass, rng, seed));
  }

  private static FashionMnistSplit selectBalanced(
      FashionMnistSplit split, int perClass, Random rng, long seed) {
    if (perClass < 1) {
      throw new IllegalArgumentException("images per class must be >= 1, got " + perClass);
    }
    int[] chosen = new int[perClass * FashionMnistClass.COUNT];
    int k = 0;
    for (FashionMnistClass c : FashionMnistClass.values()) {
      int[] pool = split.indicesOf(c);
      if (pool.length < perClass) {
        throw new IllegalArgumentException(
            "class " + c.word() + " has only " + pool.length + " images in " + split.description()
                + ", fewer than the " + perClass + " requested");
      }
      for (int i = 0; i < perClass; i++) {
        int j = i + rng.nextInt(pool.length - i);
        int t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
        chosen[k++] = pool[i];
      }
    }
    Arrays.sort(chosen);
    return split.subset(
        chosen,
        perClass + " per class of " + split.description() + " (seed " + seed + ")");
  }

  /** Writes the four gzipped IDX files into {@code directory}. */
  public static void write(FashionMnistDataset subset, Path directory) throws IOException {
    for (SplitKind kind : SplitKind.values()) {
      FashionMnistSplit s = subset.split(kind);
      IdxWriter.writeImages(directory.resolve(kind.imagesFileName() + ".gz"), s.toIdxImages(), true);
      IdxWriter.writeLabels(directory.resolve(kind.labelsFileName() + ".gz"), s.toIdxLabels(), true);
    }
  }

  /** The nearest folder at or above {@code start} that holds evomoe-examples, else start. */
  private static Path repositoryRoot(Path start) {
    for (Path p = start; p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("evomoe-examples"))) {
        return p;
      }
    }
    return start;
  }

  /** Command line; see the class comment. */
  public static void main(String[] args) throws IOException {
    Path source = null;
    Path out = null;
    int trainPerClass = EmbeddedFashionMnist.TRAIN_PER_CLASS;
    int testPerClass = EmbeddedFashionMnist.TEST_PER_CLASS;
    long seed = EmbeddedFashionMnist.SEED;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value after " + flag);
      }
      String value = args[++i];
      switch (flag) {
        case "--source" -> source = Path.of(value);
        case "--out" -> out = Path.of(value);
        case "--train-per-class" -> trainPerClass = Integer.parseInt(value);
        case "--test-per-class" -> testPerClass = Integer.parseInt(value);
        case "--seed" -> seed = Long.parseLong(value);
        default -> throw new IllegalArgumentException(
            "unknown option " + flag
                + " (use --source DIR, --out DIR, --train-per-class N, --test-per-class N, --seed S)");
      }
    }
    if (out == null) {
      out = repositoryRoot(Path.of("").toAbsolutePath()).resolve(EmbeddedFashionMnist.REPOSITORY_FOLDER);
    }
    FashionMnistFiles files = FashionMnistLocator.locate(source);
    FashionMnistDataset full = files.load();
    FashionMnistDataset subset = select(full, trainPerClass, testPerClass, seed);
    write(subset, out);
    System.out.println(
        "wrote " + subset.train().size() + " train + " + subset.test().size()
            + " test images from " + files.directory() + " to " + out + " (seed " + seed + ")");
  }
}
