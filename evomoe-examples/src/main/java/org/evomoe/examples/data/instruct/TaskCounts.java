package org.evomoe.examples.data.instruct;

/**
 * How many samples of each task one split gets.
 *
 * @param position position questions, one canvas each
 * @param counting counting questions, one canvas each
 * @param popePairsPerProbe POPE pairs per probe type; each pair is a {@code yes} and a {@code no}
 *     question about one canvas, so the split holds {@code 6 * popePairsPerProbe} POPE samples
 * @param caption caption requests, one canvas each
 * @param textOnly text-only samples, spread round-robin over the four text tasks
 */
public record TaskCounts(
    int position, int counting, int popePairsPerProbe, int caption, int textOnly) {
  public TaskCounts {
    check("position", position);
    check("counting", counting);
    check("popePairsPerProbe", popePairsPerProbe);
    check("caption", caption);
    check("textOnly", textOnly);
  }

  private static void check(String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be >= 0, got " + value);
    }
  }

  /** Samples in all. */
  public int total() {
    return position + counting + 2 * PopeProbe.values().length * popePairsPerProbe + caption
        + textOnly;
  }
}
