package org.evomoe.examples.data.instruct;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.evomoe.examples.data.FashionMnistClass;
import org.evomoe.examples.data.FashionMnistSplit;
import org.evomoe.examples.data.ItemCategory;

/**
 * A composite image: up to four 28x28 Fashion-MNIST images placed in the cells of a 2x2 grid on a
 * {@value #SIZE}x{@value #SIZE} canvas (see {@link CanvasCell} for the layout). Empty cells are 0
 * (black, the Fashion-MNIST background).
 *
 * <p>Pixels: {@value #PIXELS} unsigned bytes, row-major, shape [56, 56]; {@link #pixelsAsFloats()}
 * gives them as floats in [0, 1]. The ground-truth layout is {@link #items()}, in cell order.
 * Immutable.
 */
public final class Canvas {
  /** Side of the canvas in pixels. */
  public static final int SIZE = 2 * FashionMnistSplit.IMAGE_SIZE;
  /** Pixels of the canvas, 56 * 56. */
  public static final int PIXELS = SIZE * SIZE;

  private final List<CanvasItem> items; // in cell order, one per occupied cell
  private final byte[] pixels; // [56, 56]

  private Canvas(List<CanvasItem> items, byte[] pixels) {
    this.items = items;
    this.pixels = pixels;
  }

  /**
   * Places image {@code placement.get(cell)} of {@code pool} in each given cell.
   *
   * @param pool the split the images come from
   * @param placement image index in {@code pool} per occupied cell; 1 to 4 cells
   */
  public static Canvas compose(FashionMnistSplit pool, Map<CanvasCell, Integer> placement) {
    if (placement.isEmpty()) {
      throw new IllegalArgumentException("a canvas needs at least one item");
    }
    byte[] pixels = new byte[PIXELS];
    List<CanvasItem> items = new ArrayList<>(placement.size());
    for (Map.Entry<CanvasCell, Integer> e : placement.entrySet()) {
      CanvasCell cell = e.getKey();
      int index = e.getValue();
      pool.copyImageInto(index, pixels, SIZE, cell.top(), cell.left());
      items.add(
          new CanvasItem(cell, pool.itemClass(index), new SourceImageId(pool.kind(), index)));
    }
    items.sort(Comparator.comparing(CanvasItem::cell));
    return new Canvas(List.copyOf(items), pixels);
  }

  /** The placed items in cell order (reading order), unmodifiable. */
  public List<CanvasItem> items() {
    return items;
  }

  /** The item in {@code cell}, or empty when the cell is empty. */
  public Optional<CanvasItem> itemAt(CanvasCell cell) {
    for (CanvasItem item : items) {
      if (item.cell() == cell) {
        return Optional.of(item);
      }
    }
    return Optional.empty();
  }

  /** Number of items of class {@code c}. */
  public int count(FashionMnistClass c) {
    int n = 0;
    for (CanvasItem item : items) {
      if (item.itemClass() == c) {
        n++;
      }
    }
    return n;
  }

  /** Number of items whose class is in {@code category}. */
  public int count(ItemCategory category) {
    int n = 0;
    for (CanvasItem item : items) {
      if (item.itemClass().category() == category) {
        n++;
      }
    }
    return n;
  }

  /** The classes present, a new mutable set. */
  public Set<FashionMnistClass> presentClasses() {
    Set<FashionMnistClass> s = EnumSet.noneOf(FashionMnistClass.class);
    for (CanvasItem item : items) {
      s.add(item.itemClass());
    }
    return s;
  }

  /** Whether at least one item is of class {@code c}. */
  public boolean contains(FashionMnistClass c) {
    return count(c) > 0;
  }

  /** Pixel 0..255 at ({@code row}, {@code col}). */
  public int pixel(int row, int col) {
    if (row < 0 || row >= SIZE || col < 0 || col >= SIZE) {
      throw new IndexOutOfBoundsException("pixel (" + row + ", " + col + ") outside 56x56");
    }
    return pixels[row * SIZE + col] & 0xFF;
  }

  /** A copy of the pixels, 3136 unsigned bytes, row-major [56, 56]. */
  public byte[] copyPixels() {
    return pixels.clone();
  }

  /** The pixels as floats {@code value / 255} in [0, 1], row-major [56, 56]. */
  public float[] pixelsAsFloats() {
    float[] out = new float[PIXELS];
    for (int i = 0; i < PIXELS; i++) {
      out[i] = (pixels[i] & 0xFF) / 255f;
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Canvas other
        && items.equals(other.items)
        && Arrays.equals(pixels, other.pixels);
  }

  @Override
  public int hashCode() {
    return 31 * items.hashCode() + Arrays.hashCode(pixels);
  }

  @Override
  public String toString() {
    return "Canvas" + items;
  }
}
