package org.evomoe.examples.data.idx;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * Writes IDX unsigned-byte image and label files in the layout {@link IdxReader} reads, plain or
 * gzipped. Parent folders are created as needed; an existing file is replaced.
 */
public final class IdxWriter {
  private IdxWriter() {}

  /** Writes magic {@code 0x00000803}, count, rows, cols, then the pixels. */
  public static void writeImages(Path file, IdxImages images, boolean gzip) throws IOException {
    try (DataOutputStream out = open(file, gzip)) {
      out.writeInt(IdxReader.IMAGE_MAGIC);
      out.writeInt(images.count());
      out.writeInt(images.rows());
      out.writeInt(images.cols());
      out.write(images.copyPixels());
    }
  }

  /** Writes magic {@code 0x00000801}, count, then the labels. */
  public static void writeLabels(Path file, IdxLabels labels, boolean gzip) throws IOException {
    try (DataOutputStream out = open(file, gzip)) {
      out.writeInt(IdxReader.LABEL_MAGIC);
      out.writeInt(labels.count());
      out.write(labels.copyLabels());
    }
  }

  private static DataOutputStream open(Path file, boolean gzip) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    OutputStream raw = Files.newOutputStream(file);
    OutputStream sink = gzip ? new GZIPOutputStream(raw, 1 << 16) : raw;
    return new DataOutputStream(new BufferedOutputStream(sink, 1 << 16));
  }
}
