package org.evomoe.examples.data.instruct;

import org.evomoe.examples.data.FashionMnistSplit;

/**
 * The four 28x28 cells of a {@link Canvas}, a 2x2 grid on 56x56 pixels, in reading order.
 *
 * <pre>
 *   columns 0..27   columns 28..55
 *  +--------------+--------------+
 *  |   TOP_LEFT   |  TOP_RIGHT   |  rows 0..27
 *  +--------------+--------------+
 *  | BOTTOM_LEFT  | BOTTOM_RIGHT |  rows 28..55
 *  +--------------+--------------+
 * </pre>
 */
public enum CanvasCell {
  TOP_LEFT("top left", 0, 0),
  TOP_RIGHT("top right", 0, 1),
  BOTTOM_LEFT("bottom left", 1, 0),
  BOTTOM_RIGHT("bottom right", 1, 1);

  private final String phrase;
  private final int gridRow;
  private final int gridCol;

  CanvasCell(String phrase, int gridRow, int gridCol) {
    this.phrase = phrase;
    this.gridRow = gridRow;
    this.gridCol = gridCol;
  }

  /** The words naming the cell in prompts, e.g. {@code top left}. */
  public String phrase() {
    return phrase;
  }

  /** First pixel row of the cell on the canvas (0 or 28). */
  public int top() {
    return gridRow * FashionMnistSplit.IMAGE_SIZE;
  }

  /** First pixel column of the cell on the canvas (0 or 28). */
  public int left() {
    return gridCol * FashionMnistSplit.IMAGE_SIZE;
  }
}
