package org.evomoe.examples.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import org.evomoe.examples.data.idx.IdxFormatException;
import org.evomoe.examples.data.idx.IdxImages;
import org.evomoe.examples.data.idx.IdxLabels;
import org.evomoe.examples.data.idx.IdxReader;

/**
 * One split of Fashion-MNIST held in memory: {@link #size()} grayscale images of 28x28 pixels
 * (unsigned bytes 0..255, row-major, 0 = background) with their class labels.
 *
 * <p>Image {@code i} is identified by ({@link #kind()}, {@code i}); the index is the position in the
 * files this split was loaded from. Immutable.
 */
public final class FashionMnistSplit {
  /** Rows and columns of one image. */
  public static final int IMAGE_SIZE = 28;
  /** Pixels of one image, 28 * 28. */
  public static final int IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;

  private final SplitKind kind;
  private final String description;
  private final byte[] pixels; // [size, 28, 28]
  private final byte[] labels; // [size], each 0..9

  private FashionMnistSplit(SplitKind kind, String description, byte[] pixels, byte[] labels) {
    this.kind = kind;
    this.description = description;
    this.pixels = pixels;
    this.labels = labels;
  }

  /**
   * Builds a split from decoded IDX content.
   *
   * @throws IllegalArgumentException if the images are not 28x28, the counts differ, or a label is
   *     outside 0..9
   */
  public static FashionMnistSplit of(
      SplitKind kind, IdxImages images, IdxLabels labels, String description) {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(description, "description");
    if (images.rows() != IMAGE_SIZE || images.cols() != IMAGE_SIZE) {
      throw new IllegalArgumentException(
          "Fashion-MNIST images must be 28x28, got " + images.rows() + "x" + images.cols());
    }
    if (images.count() != labels.count()) {
      throw new IllegalArgumentException(
          images.count() + " images but " + labels.count() + " labels in " + description);
    }
    byte[] l = labels.copyLabels();
    for (int i = 0; i < l.length; i++) {
      if ((l[i] & 0xFF) >= FashionMnistClass.COUNT) {
        throw new IllegalArgumentException(
            "label " + (l[i] & 0xFF) + " of item " + i + " is outside 0..9 in " + description);
      }
    }
    return new FashionMnistSplit(kind, description, images.copyPixels(), l);
  }

  /** Loads a split from an image file and a label file, each plain or gzipped. */
  public static FashionMnistSplit load(SplitKind kind, Path imagesFile, Path labelsFile)
      throws IOException {
    IdxImages images = IdxReader.readImages(imagesFile);
    IdxLabels labels = IdxReader.readLabels(labelsFile, FashionMnistClass.COUNT);
    return checked(kind, images, imagesFile.toString(), labels, labelsFile.toString());
  }

  /** Loads a split from two streams (plain or gzipped), e.g. classpath resources; not closed. */
  public static FashionMnistSplit load(
      SplitKind kind, InputStream images, String imagesName, InputStream labels, String labelsName)
      throws IOException {
    IdxImages i = IdxReader.readImages(images, imagesName);
    IdxLabels l = IdxReader.readLabels(labels, labelsName, FashionMnistClass.COUNT);
    return checked(kind, i, imagesName, l, labelsName);
  }

  private static FashionMnistSplit checked(
      SplitKind kind, IdxImages images, String imagesName, IdxLabels labels, String labelsName)
      throws IdxFormatException {
    if (images.rows() != IMAGE_SIZE || images.cols() != IMAGE_SIZE) {
      throw new IdxFormatException(
          imagesName,
          8,
          "Fashion-MNIST images must be 28x28, the header declares "
              + images.rows()
              + "x"
              + images.cols());
    }
    if (images.count() != labels.count()) {
      throw new IdxFormatException(
          labelsName,
          4,
          "the label file declares "
              + labels.count()
              + " labels but the image file "
              + imagesName
              + " declares "
              + images.count()
              + " images");
    }
    return of(kind, images, labels, imagesName + " + " + labelsName);
  }

  /** Which split of Fashion-MNIST the images come from. */
  public SplitKind kind() {
    return kind;
  }

  /** Where the split was loaded from, for messages. */
  public String description() {
    return description;
  }

  /** Number of images. */
  public int size() {
    return labels.length;
  }

  /** Label 0..9 of image {@code index}. */
  public int label(int index) {
    checkIndex(index);
    return labels[index];
  }

  /** Class of image {@code index}. */
  public FashionMnistClass itemClass(int index) {
    return FashionMnistClass.ofLabel(label(index));
  }

  /** Pixel 0..255 of image {@code index} at ({@code row}, {@code col}). */
  public int pixel(int index, int row, int col) {
    checkIndex(index);
    if (row < 0 || row >= IMAGE_SIZE || col < 0 || col >= IMAGE_SIZE) {
      throw new IndexOutOfBoundsException("pixel (" + row + ", " + col + ") outside 28x28");
    }
    return pixels[index * IMAGE_PIXELS + row * IMAGE_SIZE + col] & 0xFF;
  }

  /** A copy of image {@code index}, 784 unsigned bytes, row-major. */
  public byte[] copyImage(int index) {
    checkIndex(index);
    return Arrays.copyOfRange(pixels, index * IMAGE_PIXELS, (index + 1) * IMAGE_PIXELS);
  }

  /**
   * Copies image {@code index} into a larger row-major canvas with its top-left corner at ({@code
   * top}, {@code left}).
   *
   * @param canvas row-major bytes, {@code canvasWidth} columns per row
   */
  public void copyImageInto(int index, byte[] canvas, int canvasWidth, int top, int left) {
    checkIndex(index);
    int canvasHeight = canvasWidth == 0 ? 0 : canvas.length / canvasWidth;
    if (top < 0 || left < 0 || top + IMAGE_SIZE > canvasHeight || left + IMAGE_SIZE > canvasWidth) {
      throw new IndexOutOfBoundsException(
          "28x28 image at (" + top + ", " + left + ") does not fit a " + canvasHeight + "x"
              + canvasWidth + " canvas");
    }
    for (int r = 0; r < IMAGE_SIZE; r++) {
      System.arraycopy(
          pixels,
          index * IMAGE_PIXELS + r * IMAGE_SIZE,
          canvas,
          (top + r) * canvasWidth + left,
          IMAGE_SIZE);
    }
  }

  /** Indices of the images of class {@code c}, ascending. */
  public int[] indicesOf(FashionMnistClass c) {
    int n = 0;
    for (byte l : labels) {
      if (l == c.label()) {
        n++;
      }
    }
    int[] out = new int[n];
    int k = 0;
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] == c.label()) {
        out[k++] = i;
      }
    }
    return out;
  }

  /** Number of images of each class, indexed by label. */
  public int[] classCounts() {
    int[] counts = new int[FashionMnistClass.COUNT];
    for (byte l : labels) {
      counts[l]++;
    }
    return counts;
  }

  /** The images at {@code indices} (in that order) as a new split of the same kind. */
  public FashionMnistSplit subset(int[] indices, String subsetDescription) {
    byte[] p = new byte[indices.length * IMAGE_PIXELS];
    byte[] l = new byte[indices.length];
    for (int k = 0; k < indices.length; k++) {
      checkIndex(indices[k]);
      System.arraycopy(pixels, indices[k] * IMAGE_PIXELS, p, k * IMAGE_PIXELS, IMAGE_PIXELS);
      l[k] = labels[indices[k]];
    }
    return new FashionMnistSplit(kind, subsetDescription, p, l);
  }

  /** The images as IDX content (count x 28 x 28). */
  public IdxImages toIdxImages() {
    return new IdxImages(size(), IMAGE_SIZE, IMAGE_SIZE, pixels);
  }

  /** The labels as IDX content. */
  public IdxLabels toIdxLabels() {
    return new IdxLabels(labels);
  }

  private void checkIndex(int index) {
    if (index < 0 || index >= labels.length) {
      throw new IndexOutOfBoundsException(
          "image index " + index + " outside 0.." + (labels.length - 1) + " of " + description);
    }
  }

  @Override
  public String toString() {
    return "FashionMnistSplit[" + kind + ", " + size() + " images, " + description + "]";
  }
}
