package org.evomoe.examples.data.idx;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files of unsigned bytes, the format of the original MNIST and Fashion-MNIST files
 * ({@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code t10k-*}).
 *
 * <p>Layout (big-endian): a 4-byte magic {@code 0x0000 08 D} (type 0x08 = unsigned byte, D = number
 * of dimensions), then D 4-byte dimension sizes, then the data. Images use magic {@code
 * 0x00000803} (count, rows, cols), labels {@code 0x00000801} (count).
 *
 * <p>Gzipped input is recognised by its first two bytes ({@code 0x1f 0x8b}), never by the file
 * name, and decompressed on the fly. Everything is validated before it is trusted: the magic, every
 * dimension (non-negative, product small enough for one Java array), the data length against the
 * header (for plain files against the file size before reading), the absence of trailing bytes, and
 * for labels the value range. Buffers grow with the bytes actually read, so a header that lies
 * about its counts cannot make the reader allocate more than the data it really holds. Every
 * failure is an {@link IdxFormatException} naming the source and the byte offset.
 */
public final class IdxReader {
  /** Magic number of an IDX file of unsigned-byte images: type 0x08, 3 dimensions. */
  public static final int IMAGE_MAGIC = 0x00000803;
  /** Magic number of an IDX file of unsigned-byte labels: type 0x08, 1 dimension. */
  public static final int LABEL_MAGIC = 0x00000801;

  private static final int IMAGE_HEADER_BYTES = 16;
  private static final int LABEL_HEADER_BYTES = 8;
  /** The largest data block one Java byte array can safely hold. */
  private static final long MAX_DATA_BYTES = Integer.MAX_VALUE - 64;

  private static final int FIRST_CHUNK = 1 << 20;

  private IdxReader() {}

  /** Reads an image file, plain or gzipped. */
  public static IdxImages readImages(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return readImages(in, file.toString(), Files.size(file));
    }
  }

  /**
   * Reads images from a stream (plain or gzipped); the stream is read to its end but not closed.
   *
   * @param sourceName named in error messages, e.g. a resource path
   */
  public static IdxImages readImages(InputStream in, String sourceName) throws IOException {
    return readImages(in, sourceName, -1);
  }

  /** Reads a label file, plain or gzipped; every label must lie in {@code 0..numClasses-1}. */
  public static IdxLabels readLabels(Path file, int numClasses) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return readLabels(in, file.toString(), Files.size(file), numClasses);
    }
  }

  /**
   * Reads labels from a stream (plain or gzipped); the stream is read to its end but not closed.
   * Every label must lie in {@code 0..numClasses-1}.
   */
  public static IdxLabels readLabels(InputStream in, String sourceName, int numClasses)
      throws IOException {
    return readLabels(in, sourceName, -1, numClasses);
  }

  private static IdxImages readImages(InputStream raw, String source, long fileSize)
      throws IOException {
    IdxStream s = IdxStream.open(raw, source, fileSize);
    s.expectMagic(IMAGE_MAGIC, "image");
    int count = s.readDimension("image count");
    int rows = s.readDimension("rows per image");
    int cols = s.readDimension("columns per image");
    if (rows == 0 || cols == 0) {
      throw s.error(8, "image size " + rows + "x" + cols + " has no pixels");
    }
    long dataBytes = (long) count * rows * cols;
    if (dataBytes > MAX_DATA_BYTES) {
      throw s.error(
          4,
          "header declares "
              + count
              + " images of "
              + rows
              + "x"
              + cols
              + " = "
              + dataBytes
              + " bytes, more than one array can hold");
    }
    s.checkPlainLength(
        IMAGE_HEADER_BYTES + dataBytes,
        count + " images of " + rows + "x" + cols + " pixels");
    byte[] pixels = s.readData((int) dataBytes, "pixel data");
    s.expectEnd();
    return IdxImages.adopt(count, rows, cols, pixels);
  }

  private static IdxLabels readLabels(InputStream raw, String source, long fileSize, int numClasses)
      throws IOException {
    if (numClasses < 1 || numClasses > 256) {
      throw new IllegalArgumentException("numClasses must be in 1..256, got " + numClasses);
    }
    IdxStream s = IdxStream.open(raw, source, fileSize);
    s.expectMagic(LABEL_MAGIC, "label");
    int count = s.readDimension("label count");
    if (count > MAX_DATA_BYTES) {
      throw s.error(4, "header declares " + count + " labels, more than one array can hold");
    }
    s.checkPlainLength(LABEL_HEADER_BYTES + (long) count, count + " labels");
    byte[] labels = s.readData(count, "label data");
    s.expectEnd();
    for (int i = 0; i < labels.length; i++) {
      int label = labels[i] & 0xFF;
      if (label >= numClasses) {
        throw s.error(
            LABEL_HEADER_BYTES + (long) i,
            "label " + label + " of item " + i + " is outside 0.." + (numClasses - 1));
      }
    }
    return IdxLabels.adopt(labels);
  }

  /** A byte stream that knows its source, whether it was gzipped, and its current offset. */
  private static final class IdxStream {
    private final InputStream in;
    private final String source;
    private final boolean gzipped;
    private final long fileSize; // -1 when unknown or gzipped
    private long offset;

    private IdxStream(InputStream in, String source, boolean gzipped, long fileSize) {
      this.in = in;
      this.source = source;
      this.gzipped = gzipped;
      this.fileSize = gzipped ? -1 : fileSize;
    }

    static IdxStream open(InputStream raw, String source, long fileSize) throws IOException {
      BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
      buffered.mark(2);
      int b0 = buffered.read();
      int b1 = buffered.read();
      buffered.reset();
      if (b0 < 0) {
        throw new IdxFormatException(source, 0, false, "empty file, expected an IDX header");
      }
      if (b0 == 0x1f && b1 == 0x8b) {
        GZIPInputStream gz;
        try {
          gz = new GZIPInputStream(buffered, 1 << 16);
        } catch (ZipException | EOFException e) {
          throw new IdxFormatException(source, 0, true, "corrupt gzip header: " + e.getMessage());
        }
        // Unbuffered on purpose: a failing read then reports exactly how far decoding got.
        return new IdxStream(gz, source, true, -1);
      }
      return new IdxStream(buffered, source, false, fileSize);
    }

    IdxFormatException error(long at, String problem) {
      return new IdxFormatException(source, at, gzipped, problem);
    }

    void expectMagic(int expected, String kind) throws IOException {
      int magic = readInt("magic number");
      if (magic != expected) {
        String hint = "";
        if (magic == IMAGE_MAGIC) {
          hint = " (an IDX image file)";
        } else if (magic == LABEL_MAGIC) {
          hint = " (an IDX label file)";
        } else if ((magic >>> 8) == 0x08) {
          hint = " (unsigned-byte IDX with " + (magic & 0xFF) + " dimensions)";
        } else if ((magic >>> 16) != 0) {
          hint = " (not an IDX file)";
        }
        throw error(
            0,
            "bad magic number for an IDX "
                + kind
                + " file: expected 0x"
                + hex(expected)
                + ", found 0x"
                + hex(magic)
                + hint);
      }
    }

    int readDimension(String what) throws IOException {
      long at = offset;
      int value = readInt(what);
      if (value < 0) {
        throw error(
            at, what + " is " + Integer.toUnsignedString(value) + ", larger than 2^31-1");
      }
      return value;
    }

    /** For plain files of known size, compares the size with what the header declares. */
    void checkPlainLength(long expectedTotal, String declared) throws IOException {
      if (fileSize < 0 || fileSize == expectedTotal) {
        return;
      }
      if (fileSize < expectedTotal) {
        throw error(
            fileSize,
            "truncated: the header declares "
                + declared
                + ", which needs "
                + expectedTotal
                + " bytes, but the file has "
                + fileSize);
      }
      throw error(
          expectedTotal,
          (fileSize - expectedTotal)
              + " trailing bytes after the "
              + declared
              + " the header declares (file has "
              + fileSize
              + " bytes, expected "
              + expectedTotal
              + ")");
    }

    byte[] readData(int length, String what) throws IOException {
      byte[] buf = new byte[Math.min(length, FIRST_CHUNK)];
      int filled = 0;
      while (filled < length) {
        if (filled == buf.length) {
          buf = Arrays.copyOf(buf, (int) Math.min(length, 2L * buf.length));
        }
        int n = read(buf, filled, buf.length - filled);
        if (n < 0) {
          throw error(
              offset + filled,
              "truncated: " + what + " ends after " + filled + " of " + length + " bytes");
        }
        filled += n;
      }
      offset += length;
      return buf;
    }

    void expectEnd() throws IOException {
      byte[] probe = new byte[1];
      if (read(probe, 0, 1) > 0) {
        throw error(offset, "trailing bytes after the data the header declares");
      }
    }

    private int readInt(String what) throws IOException {
      byte[] b = new byte[4];
      int filled = 0;
      while (filled < 4) {
        int n = read(b, filled, 4 - filled);
        if (n < 0) {
          throw error(offset + filled, "truncated header: file ends inside the " + what);
        }
        filled += n;
      }
      offset += 4;
      return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }

    private int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (ZipException e) {
        throw error(offset + off, "corrupt gzip data: " + e.getMessage());
      } catch (EOFException e) {
        throw error(offset + off, "truncated gzip data: " + e.getMessage());
      }
    }

    private static String hex(int v) {
      return String.format("%08x", v);
    }
  }
}
