package org.evomoe.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.evomoe.examples.data.idx.IdxImages;
import org.evomoe.examples.data.idx.IdxLabels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistSubsetGeneratorTest {
  @TempDir Path dir;

  /**
   * A fake full set: image i has pixel 0 = i / 256, pixel 1 = i % 256 (so its origin can be read
   * back) and label (i * 7) % 10 (classes interleaved unevenly: 20 images per class here).
   */
  private static FashionMnistSplit fake(SplitKind kind, int n) {
    byte[] px = new byte[n * 784];
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      px[i * 784] = (byte) (i / 256);
      px[i * 784 + 1] = (byte) (i % 256);
      labels[i] = (byte) ((i * 7) % 10);
    }
    return FashionMnistSplit.of(kind, new IdxImages(n, 28, 28, px), new IdxLabels(labels), "fake");
  }

  private static int origin(FashionMnistSplit s, int i) {
    return s.pixel(i, 0, 0) * 256 + s.pixel(i, 0, 1);
  }

  @Test
  void selectsBalancedDistinctImagesInOriginalOrder() {
    FashionMnistDataset full =
        new FashionMnistDataset(fake(SplitKind.TRAIN, 200), fake(SplitKind.TEST, 100));
    FashionMnistDataset sub = FashionMnistSubsetGenerator.select(full, 6, 3, 42);
    assertEquals(60, sub.train().size());
    assertEquals(30, sub.test().size());
    int[] six = new int[10];
    Arrays.fill(six, 6);
    int[] three = new int[10];
    Arrays.fill(three, 3);
    assertArrayEquals(six, sub.train().classCounts());
    assertArrayEquals(three, sub.test().classCounts());
    for (FashionMnistSplit s : new FashionMnistSplit[] {sub.train(), sub.test()}) {
      FashionMnistSplit original = full.split(s.kind());
      int previous = -1;
      for (int i = 0; i < s.size(); i++) {
        int o = origin(s, i);
        assertTrue(o > previous, "not in original order or repeated: " + o);
        previous = o;
        assertEquals(original.label(o), s.label(i));
        assertArrayEquals(original.copyImage(o), s.copyImage(i));
      }
    }
  }

  @Test
  void sameSeedSameSubsetOtherSeedOtherSubset() {
    FashionMnistDataset full =
        new FashionMnistDataset(fake(SplitKind.TRAIN, 200), fake(SplitKind.TEST, 100));
    FashionMnistDataset a = FashionMnistSubsetGenerator.select(full, 5, 2, 7);
    FashionMnistDataset b = FashionMnistSubsetGenerator.select(full, 5, 2, 7);
    FashionMnistDataset c = FashionMnistSubsetGenerator.select(full, 5, 2, 8);
    assertEquals(a.train().toIdxImages(), b.train().toIdxImages());
    assertEquals(a.test().toIdxImages(), b.test().toIdxImages());
    assertNotEquals(a.train().toIdxImages(), c.train().toIdxImages());
  }

  @Test
  void tooFewImagesOfAClassIsAnError() {
    FashionMnistDataset full =
        new FashionMnistDataset(fake(SplitKind.TRAIN, 200), fake(SplitKind.TEST, 100));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> FashionMnistSubsetGenerator.select(full, 21, 1, 1));
    assertTrue(e.getMessage().contains("only 20 images"), e.getMessage());
  }

  @Test
  void writtenSubsetLoadsBackThroughTheLocator() throws IOException {
    FashionMnistDataset full =
        new FashionMnistDataset(fake(SplitKind.TRAIN, 200), fake(SplitKind.TEST, 100));
    FashionMnistDataset sub = FashionMnistSubsetGenerator.select(full, 4, 2, 3);
    FashionMnistSubsetGenerator.write(sub, dir);
    assertTrue(Files.isRegularFile(dir.resolve("t10k-labels-idx1-ubyte.gz")));
    FashionMnistDataset back = FashionMnist.loadDirectory(dir);
    assertEquals(sub.train().toIdxImages(), back.train().toIdxImages());
    assertEquals(sub.train().toIdxLabels(), back.train().toIdxLabels());
    assertEquals(sub.test().toIdxImages(), back.test().toIdxImages());
    assertEquals(sub.test().toIdxLabels(), back.test().toIdxLabels());
  }

  /** Runs only where the Debian package dataset-fashion-mnist is installed. */
  @Test
  void committedSubsetIsWhatTheGeneratorMakesFromTheInstalledFullSet() throws IOException {
    assumeTrue(
        Files.isDirectory(FashionMnistLocator.DEFAULT_DIRECTORIES.get(0)),
        "dataset-fashion-mnist is not installed");
    FashionMnistDataset full = FashionMnist.loadInstalled();
    assertEquals(60_000, full.train().size());
    assertEquals(10_000, full.test().size());
    int[] train = new int[10];
    int[] test = new int[10];
    Arrays.fill(train, 6000);
    Arrays.fill(test, 1000);
    assertArrayEquals(train, full.train().classCounts());
    assertArrayEquals(test, full.test().classCounts());

    FashionMnistDataset regenerated =
        FashionMnistSubsetGenerator.select(
            full,
            EmbeddedFashionMnist.TRAIN_PER_CLASS,
            EmbeddedFashionMnist.TEST_PER_CLASS,
            EmbeddedFashionMnist.SEED);
    FashionMnistDataset embedded = EmbeddedFashionMnist.load();
    assertEquals(regenerated.train().toIdxImages(), embedded.train().toIdxImages());
    assertEquals(regenerated.train().toIdxLabels(), embedded.train().toIdxLabels());
    assertEquals(regenerated.test().toIdxImages(), embedded.test().toIdxImages());
    assertEquals(regenerated.test().toIdxLabels(), embedded.test().toIdxLabels());
  }
}
