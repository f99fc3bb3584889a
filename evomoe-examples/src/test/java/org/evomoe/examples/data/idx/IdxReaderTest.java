package org.evomoe.examples.data.idx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  @TempDir Path dir;

  private static IdxImages randomImages(int count, int rows, int cols, long seed) {
    byte[] pixels = new byte[count * rows * cols];
    new Random(seed).nextBytes(pixels);
    return new IdxImages(count, rows, cols, pixels);
  }

  private static byte[] header(int... ints) {
    ByteBuffer b = ByteBuffer.allocate(4 * ints.length); // big-endian
    for (int v : ints) {
      b.putInt(v);
    }
    return b.array();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] gzip(byte[] plain) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(plain);
    }
    return bytes.toByteArray();
  }

  private Path file(String name, byte[] content) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, content);
    return p;
  }

  @Test
  void imagesRoundTripPlainWithTheDocumentedByteLayout() throws IOException {
    IdxImages images = randomImages(7, 5, 4, 1);
    Path p = dir.resolve("images-idx3-ubyte");
    IdxWriter.writeImages(p, images, false);

    byte[] raw = Files.readAllBytes(p);
    assertEquals(16 + 7 * 5 * 4, raw.length);
    assertArrayEquals(header(0x803, 7, 5, 4), Arrays.copyOf(raw, 16));
    assertArrayEquals(images.copyPixels(), Arrays.copyOfRange(raw, 16, raw.length));

    IdxImages back = IdxReader.readImages(p);
    assertEquals(images, back);
    assertEquals(7, back.count());
    assertEquals(5, back.rows());
    assertEquals(4, back.cols());
    byte[] px = images.copyPixels();
    assertEquals(px[(3 * 5 + 2) * 4 + 1] & 0xFF, back.pixel(3, 2, 1));
  }

  @Test
  void imagesAndLabelsRoundTripGzipped() throws IOException {
    IdxImages images = randomImages(9, 28, 28, 2);
    IdxLabels labels = new IdxLabels(new byte[] {0, 9, 3, 3, 1, 5, 7, 8, 2});
    Path pi = dir.resolve("images.gz");
    Path pl = dir.resolve("labels.gz");
    IdxWriter.writeImages(pi, images, true);
    IdxWriter.writeLabels(pl, labels, true);

    byte[] raw = Files.readAllBytes(pi);
    assertEquals(0x1f, raw[0] & 0xFF);
    assertEquals(0x8b, raw[1] & 0xFF);
    assertEquals(images, IdxReader.readImages(pi));
    IdxLabels back = IdxReader.readLabels(pl, 10);
    assertEquals(labels, back);
    assertEquals(9, back.label(1));
  }

  @Test
  void compressionIsDetectedFromContentNotName() throws IOException {
    IdxImages images = randomImages(3, 2, 2, 3);
    Path gzNoSuffix = dir.resolve("gzipped-idx3-ubyte");
    Path plainWithSuffix = dir.resolve("plain-idx3-ubyte.gz");
    IdxWriter.writeImages(gzNoSuffix, images, true);
    IdxWriter.writeImages(plainWithSuffix, images, false);
    assertEquals(0x1f, Files.readAllBytes(gzNoSuffix)[0] & 0xFF);
    assertEquals(0, Files.readAllBytes(plainWithSuffix)[0]);

    assertEquals(images, IdxReader.readImages(gzNoSuffix));
    assertEquals(images, IdxReader.readImages(plainWithSuffix));
  }

  @Test
  void streamsReadLikeFiles() throws IOException {
    IdxLabels labels = new IdxLabels(new byte[] {4, 2});
    Path p = dir.resolve("l");
    IdxWriter.writeLabels(p, labels, true);
    try (var in = Files.newInputStream(p)) {
      assertEquals(labels, IdxReader.readLabels(in, "resource l", 10));
    }
  }

  @Test
  void badMagicNamesFileOffsetAndWhatWasFound() throws IOException {
    Path p = file("labels-as-images", concat(header(0x801, 2), new byte[] {1, 2}));
    IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(p));
    assertEquals(0, e.offset());
    assertEquals(p.toString(), e.source());
    assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
    assertTrue(e.getMessage().contains("0x00000803"), e.getMessage());
    assertTrue(e.getMessage().contains("0x00000801"), e.getMessage());
    assertTrue(e.getMessage().contains("label file"), e.getMessage());

    Path text = file("text.gz", "hello world, not idx".getBytes());
    IdxFormatException e2 =
        assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(text, 10));
    assertTrue(e2.getMessage().contains("bad magic"), e2.getMessage());
  }

  @Test
  void truncatedPlainFileIsReportedAtItsEnd() throws IOException {
    // 3 images of 2x2 need 16 + 12 bytes; only 9 pixel bytes present
    Path p = file("short", concat(header(0x803, 3, 2, 2), new byte[9]));
    IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(p));
    assertEquals(25, e.offset());
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    assertTrue(e.getMessage().contains("28 bytes"), e.getMessage());
    assertTrue(e.getMessage().contains("has 25"), e.getMessage());
  }

  @Test
  void truncatedGzipContentIsReportedInDecompressedOffsets() throws IOException {
    Path p = file("short.gz", gzip(concat(header(0x803, 3, 2, 2), new byte[9])));
    IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(p));
    assertEquals(25, e.offset());
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    assertTrue(e.getMessage().contains("decompressed"), e.getMessage());
  }

  @Test
  void truncatedHeaderIsReported() throws IOException {
    Path p = file("header", new byte[] {0, 0, 8, 3, 0, 0});
    IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(p));
    assertTrue(e.getMessage().contains("image count"), e.getMessage());
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void cutGzipStreamIsAnIdxFormatException() throws IOException {
    byte[] whole = gzip(concat(header(0x803, 50, 28, 28), randomImages(50, 28, 28, 4).copyPixels()));
    Path p = file("cut.gz", Arrays.copyOf(whole, whole.length / 2));
    IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(p));
    assertTrue(e.getMessage().contains("gzip"), e.getMessage());
    assertTrue(e.offset() > 16 && e.offset() < 16 + 50 * 784, "offset " + e.offset());
  }

  @Test
  void corruptGzipIsAnIdxFormatException() throws IOException {
    Path p = file("corrupt", new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4});
    IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(p));
    assertTrue(e.getMessage().contains("gzip"), e.getMessage());
    assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
  }

  @Test
  void trailingBytesAreReportedWhereTheDeclaredDataEnds() throws IOException {
    Path p = file("long", concat(header(0x801, 2), new byte[] {1, 2, 3}));
    IdxFormatException e =
        assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(p, 10));
    assertEquals(10, e.offset());
    assertTrue(e.getMessage().contains("trailing"), e.getMessage());

    Path gz = file("long.gz", gzip(concat(header(0x801, 2), new byte[] {1, 2, 3})));
    IdxFormatException e2 =
        assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(gz, 10));
    assertEquals(10, e2.offset());
    assertTrue(e2.getMessage().contains("trailing"), e2.getMessage());
  }

  @Test
  void labelOutOfRangeNamesItsIndexAndOffset() throws IOException {
    Path p = file("labels", concat(header(0x801, 3), new byte[] {1, 10, 2}));
    IdxFormatException e =
        assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(p, 10));
    assertEquals(9, e.offset());
    assertTrue(e.getMessage().contains("label 10 of item 1"), e.getMessage());
    assertTrue(e.getMessage().contains("0..9"), e.getMessage());
  }

  @Test
  void dimensionAbove2To31IsRejected() throws IOException {
    Path p = file("neg", header(0x803, 1, -1, 2));
    IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(p));
    assertEquals(8, e.offset());
    assertTrue(e.getMessage().contains("4294967295"), e.getMessage());
  }

  @Test
  void dataTooLargeForAnArrayIsRejectedBeforeReading() throws IOException {
    Path p = file("huge", header(0x803, 1 << 20, 1 << 10, 1 << 10));
    IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(p));
    assertTrue(e.getMessage().contains("more than one array can hold"), e.getMessage());
  }

  @Test
  void aLyingCountInAGzipStreamDoesNotAllocateWhatItClaims() throws IOException {
    // 2,550,000 images of 28x28 = 1.999e9 bytes: a valid array size, but only 100 bytes follow.
    Path p = file("liar.gz", gzip(concat(header(0x803, 2_550_000, 28, 28), new byte[100])));
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assumeTrue(threads.isThreadAllocatedMemorySupported(), "no per-thread allocation counter");
    threads.setThreadAllocatedMemoryEnabled(true);
    long tid = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(tid);
    IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(p));
    long allocated = threads.getThreadAllocatedBytes(tid) - before;
    assertEquals(116, e.offset());
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    assertTrue(allocated < 64L << 20, "allocated " + allocated + " bytes for a 116-byte stream");
  }

  @Test
  void emptyFileIsReported() throws IOException {
    Path p = file("empty", new byte[0]);
    IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(p));
    assertTrue(e.getMessage().contains("empty"), e.getMessage());
  }
}
