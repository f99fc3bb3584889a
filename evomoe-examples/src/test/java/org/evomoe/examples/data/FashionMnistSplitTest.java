package org.evomoe.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.evomoe.examples.data.idx.IdxFormatException;
import org.evomoe.examples.data.idx.IdxImages;
import org.evomoe.examples.data.idx.IdxLabels;
import org.evomoe.examples.data.idx.IdxWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistSplitTest {
  @TempDir Path dir;

  /** n images of 28x28 whose pixel (r, c) is (i + r + c) mod 256. */
  static IdxImages patterned(int n) {
    byte[] p = new byte[n * 784];
    for (int i = 0; i < n; i++) {
      for (int r = 0; r < 28; r++) {
        for (int c = 0; c < 28; c++) {
          p[i * 784 + r * 28 + c] = (byte) (i + r + c);
        }
      }
    }
    return new IdxImages(n, 28, 28, p);
  }

  @Test
  void loadsImagesAndLabelsAndAnswersPerClassQueries() throws IOException {
    Path images = dir.resolve("i");
    Path labels = dir.resolve("l.gz");
    IdxWriter.writeImages(images, patterned(5), true);
    IdxWriter.writeLabels(labels, new IdxLabels(new byte[] {3, 0, 3, 9, 3}), true);
    FashionMnistSplit s = FashionMnistSplit.load(SplitKind.TEST, images, labels);

    assertEquals(SplitKind.TEST, s.kind());
    assertEquals(5, s.size());
    assertEquals(FashionMnistClass.DRESS, s.itemClass(2));
    assertEquals(9, s.label(3));
    assertEquals((4 + 27 + 1) & 0xFF, s.pixel(4, 27, 1));
    assertArrayEquals(new int[] {0, 2, 4}, s.indicesOf(FashionMnistClass.DRESS));
    assertArrayEquals(new int[] {1, 0, 0, 3, 0, 0, 0, 0, 0, 1}, s.classCounts());

    FashionMnistSplit sub = s.subset(new int[] {4, 1}, "two");
    assertEquals(2, sub.size());
    assertArrayEquals(s.copyImage(4), sub.copyImage(0));
    assertEquals(0, sub.label(1));

    byte[] canvas = new byte[56 * 56];
    s.copyImageInto(1, canvas, 56, 28, 28);
    assertEquals(s.pixel(1, 0, 0), canvas[28 * 56 + 28] & 0xFF);
    assertEquals(s.pixel(1, 27, 27), canvas[55 * 56 + 55] & 0xFF);
    assertEquals(0, canvas[27 * 56 + 27]);
    assertThrows(IndexOutOfBoundsException.class, () -> s.copyImageInto(1, canvas, 56, 29, 0));
  }

  @Test
  void imageAndLabelCountsMustAgree() throws IOException {
    Path images = dir.resolve("images");
    Path labels = dir.resolve("labels");
    IdxWriter.writeImages(images, patterned(3), false);
    IdxWriter.writeLabels(labels, new IdxLabels(new byte[] {1, 2}), false);
    IdxFormatException e =
        assertThrows(
            IdxFormatException.class, () -> FashionMnistSplit.load(SplitKind.TRAIN, images, labels));
    assertEquals(4, e.offset());
    assertEquals(labels.toString(), e.source());
    assertTrue(e.getMessage().contains("2 labels"), e.getMessage());
    assertTrue(e.getMessage().contains("3 images"), e.getMessage());
    assertTrue(e.getMessage().contains(images.toString()), e.getMessage());
  }

  @Test
  void imagesMustBe28By28() throws IOException {
    Path images = dir.resolve("images");
    Path labels = dir.resolve("labels");
    IdxWriter.writeImages(images, new IdxImages(1, 28, 27, new byte[28 * 27]), false);
    IdxWriter.writeLabels(labels, new IdxLabels(new byte[] {1}), false);
    IdxFormatException e =
        assertThrows(
            IdxFormatException.class, () -> FashionMnistSplit.load(SplitKind.TRAIN, images, labels));
    assertEquals(8, e.offset());
    assertTrue(e.getMessage().contains("28x27"), e.getMessage());
  }

  @Test
  void labelsAbove9AreRejected() throws IOException {
    Path images = dir.resolve("images");
    Path labels = dir.resolve("labels");
    IdxWriter.writeImages(images, patterned(2), false);
    IdxWriter.writeLabels(labels, new IdxLabels(new byte[] {1, 12}), false);
    IdxFormatException e =
        assertThrows(
            IdxFormatException.class, () -> FashionMnistSplit.load(SplitKind.TRAIN, images, labels));
    assertEquals(9, e.offset());
  }
}
