package org.evomoe.dl4j;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The embedded Fashion-MNIST subset (src-test-data/fashion-mnist: 1,000 training and 300 test
 * images, class-balanced), read from its IDX files as DL4J data sets: features [N, 784] in [0, 1],
 * one-hot labels [N, 10].
 */
final class FashionMnistSubset {
  static final int CLASSES = 10;
  static final int PIXELS = 28 * 28;

  private FashionMnistSubset() {}

  static DataSet train(DataType type) throws IOException {
    return load("train", type);
  }

  static DataSet test(DataType type) throws IOException {
    return load("t10k", type);
  }

  private static Path folder() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null) {
      Path f = p.resolve("src-test-data").resolve("fashion-mnist");
      if (Files.isDirectory(f)) {
        return f;
      }
      p = p.getParent();
    }
    throw new IllegalStateException("src-test-data/fashion-mnist not found above " + Path.of("").toAbsolutePath());
  }

  private static DataSet load(String split, DataType type) throws IOException {
    Path dir = folder();
    byte[] images = read(dir.resolve(split + "-images-idx3-ubyte.gz"), 2051, 16);
    byte[] labels = read(dir.resolve(split + "-labels-idx1-ubyte.gz"), 2049, 8);
    int n = labels.length;
    if (images.length != n * PIXELS) {
      throw new IOException(split + ": " + images.length + " image bytes for " + n + " labels");
    }
    float[] x = new float[n * PIXELS];
    for (int i = 0; i < x.length; i++) {
      x[i] = (images[i] & 0xff) / 255f;
    }
    float[] y = new float[n * CLASSES];
    for (int i = 0; i < n; i++) {
      y[i * CLASSES + labels[i]] = 1f;
    }
    return new DataSet(
        Nd4j.create(x, new long[] {n, PIXELS}, 'c').castTo(type),
        Nd4j.create(y, new long[] {n, CLASSES}, 'c').castTo(type));
  }

  /** The payload after an IDX header of {@code headerBytes} bytes starting with {@code magic}. */
  private static byte[] read(Path file, int magic, int headerBytes) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file));
        DataInputStream d = new DataInputStream(in)) {
      int m = d.readInt();
      if (m != magic) {
        throw new IOException(file + ": magic " + m + ", expected " + magic);
      }
      d.skipNBytes(headerBytes - 4);
      return d.readAllBytes();
    }
  }
}
