package org.evomoe.examples.data.idx;

import java.util.Arrays;

/**
 * The content of an IDX unsigned-byte image file (magic {@code 0x00000803}): {@code count} images
 * of {@code rows x cols} pixels, stored image after image, each row-major, one unsigned byte per
 * pixel (0..255).
 *
 * <p>Immutable: the constructor copies the pixels and {@link #copyPixels()} returns a copy.
 */
public final class IdxImages {
  private final int count;
  private final int rows;
  private final int cols;
  private final byte[] pixels; // [count * rows * cols], image-major, row-major within an image

  /**
   * @param count number of images, at least 0
   * @param rows rows per image, at least 1
   * @param cols columns per image, at least 1
   * @param pixels {@code count * rows * cols} unsigned bytes, copied
   */
  public IdxImages(int count, int rows, int cols, byte[] pixels) {
    if (count < 0) {
      throw new IllegalArgumentException("image count must be >= 0, got " + count);
    }
    if (rows < 1 || cols < 1) {
      throw new IllegalArgumentException("image size must be at least 1x1, got " + rows + "x" + cols);
    }
    long expected = (long) count * rows * cols;
    if (pixels == null || pixels.length != expected) {
      throw new IllegalArgumentException(
          "pixels must hold count*rows*cols = "
              + expected
              + " bytes, got "
              + (pixels == null ? "null" : pixels.length));
    }
    this.count = count;
    this.rows = rows;
    this.cols = cols;
    this.pixels = pixels.clone();
  }

  /** Wraps an array the caller hands over and never touches again (no copy). */
  static IdxImages adopt(int count, int rows, int cols, byte[] pixels) {
    return new IdxImages(count, rows, cols, pixels, true);
  }

  private IdxImages(int count, int rows, int cols, byte[] pixels, boolean adopted) {
    this.count = count;
    this.rows = rows;
    this.cols = cols;
    this.pixels = pixels;
  }

  public int count() {
    return count;
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  /** Pixel value 0..255 of image {@code index} at ({@code row}, {@code col}). */
  public int pixel(int index, int row, int col) {
    if (index < 0 || index >= count || row < 0 || row >= rows || col < 0 || col >= cols) {
      throw new IndexOutOfBoundsException(
          "pixel (" + index + ", " + row + ", " + col + ") outside [" + count + ", " + rows + ", "
              + cols + "]");
    }
    return pixels[(index * rows + row) * cols + col] & 0xFF;
  }

  /** A copy of all pixels, shape [count, rows, cols] flattened row-major. */
  public byte[] copyPixels() {
    return pixels.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IdxImages other
        && count == other.count
        && rows == other.rows
        && cols == other.cols
        && Arrays.equals(pixels, other.pixels);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * (31 * count + rows) + cols) + Arrays.hashCode(pixels);
  }

  @Override
  public String toString() {
    return "IdxImages[" + count + " x " + rows + "x" + cols + "]";
  }
}
