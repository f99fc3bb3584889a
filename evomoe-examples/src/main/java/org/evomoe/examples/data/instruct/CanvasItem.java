package org.evomoe.examples.data.instruct;

import java.util.Objects;
import org.evomoe.examples.data.FashionMnistClass;

/**
 * One Fashion-MNIST image placed on a canvas: where, what class, and which source image.
 *
 * @param cell the canvas cell it fills
 * @param itemClass its ground-truth class
 * @param source the pool image copied into the cell
 */
public record CanvasItem(CanvasCell cell, FashionMnistClass itemClass, SourceImageId source) {
  public CanvasItem {
    Objects.requireNonNull(cell, "cell");
    Objects.requireNonNull(itemClass, "itemClass");
    Objects.requireNonNull(source, "source");
  }
}
