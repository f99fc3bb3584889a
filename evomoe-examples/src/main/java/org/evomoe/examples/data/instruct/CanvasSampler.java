package org.evomoe.examples.data.instruct;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.evomoe.examples.data.FashionMnistClass;
import org.evomoe.examples.data.FashionMnistSplit;

/**
 * Draws random canvases from one pool of Fashion-MNIST images.
 *
 * <p>One draw: the item count k uniformly in {@code minItems..maxItems}; k distinct cells
 * uniformly; for each item in cell order a class (after the first item, with probability {@code
 * repeatProbability} one of the classes already placed, uniformly; otherwise class {@code c} with
 * weight {@code (1 - classPriorDecay)^c}); then a source image of that class uniformly among the
 * pool's images of the class not yet on the canvas. Classes without images in the pool are never
 * drawn. All randomness comes from the {@link Random} passed in, so draws are reproducible.
 */
public final class CanvasSampler {
  private final FashionMnistSplit pool;
  private final int minItems;
  private final int maxItems;
  private final double repeatProbability;
  private final double[] cumulativeWeights; // [10], over classes present in the pool
  private final int[][] indicesByClass; // [10][images of the class]

  /** Uses the canvas settings of {@code config}. */
  public CanvasSampler(FashionMnistSplit pool, InstructionConfig config) {
    this.pool = pool;
    this.minItems = config.minItems();
    this.maxItems = config.maxItems();
    this.repeatProbability = config.repeatProbability();
    this.indicesByClass = new int[FashionMnistClass.COUNT][];
    this.cumulativeWeights = new double[FashionMnistClass.COUNT];
    double total = 0;
    for (FashionMnistClass c : FashionMnistClass.values()) {
      indicesByClass[c.label()] = pool.indicesOf(c);
      if (indicesByClass[c.label()].length > 0) {
        total += Math.pow(1 - config.classPriorDecay(), c.label());
      }
      cumulativeWeights[c.label()] = total;
    }
    if (total == 0) {
      throw new IllegalArgumentException("pool " + pool.description() + " has no images");
    }
  }

  /** The pool the images come from. */
  public FashionMnistSplit pool() {
    return pool;
  }

  /** Draws one canvas. */
  public Canvas draw(Random rng) {
    int k = minItems + rng.nextInt(maxItems - minItems + 1);
    List<CanvasCell> cells = new ArrayList<>(List.of(CanvasCell.values()));
    for (int i = 0; i < k; i++) { // partial Fisher-Yates
      int j = i + rng.nextInt(cells.size() - i);
      CanvasCell t = cells.get(i);
      cells.set(i, cells.get(j));
      cells.set(j, t);
    }
    List<CanvasCell> chosen = new ArrayList<>(cells.subList(0, k));
    chosen.sort(null);
    Map<CanvasCell, Integer> placement = new EnumMap<>(CanvasCell.class);
    List<FashionMnistClass> placedClasses = new ArrayList<>(k);
    List<Integer> placedImages = new ArrayList<>(k);
    for (CanvasCell cell : chosen) {
      FashionMnistClass c;
      if (!placedClasses.isEmpty() && rng.nextDouble() < repeatProbability) {
        c = placedClasses.get(rng.nextInt(placedClasses.size()));
      } else {
        c = drawClass(rng);
      }
      int image = drawImage(c, placedImages, rng);
      placedClasses.add(c);
      placedImages.add(image);
      placement.put(cell, image);
    }
    return Canvas.compose(pool, placement);
  }

  private FashionMnistClass drawClass(Random rng) {
    double u = rng.nextDouble() * cumulativeWeights[FashionMnistClass.COUNT - 1];
    for (int c = 0; c < FashionMnistClass.COUNT; c++) {
      if (u < cumulativeWeights[c] && indicesByClass[c].length > 0) {
        return FashionMnistClass.ofLabel(c);
      }
    }
    for (int c = FashionMnistClass.COUNT - 1; c >= 0; c--) { // u rounded to the very top
      if (indicesByClass[c].length > 0) {
        return FashionMnistClass.ofLabel(c);
      }
    }
    throw new IllegalStateException("no class has images");
  }

  private int drawImage(FashionMnistClass c, List<Integer> used, Random rng) {
    int[] candidates = indicesByClass[c.label()];
    int usedOfClass = 0;
    for (int index : used) {
      if (pool.label(index) == c.label()) {
        usedOfClass++;
      }
    }
    if (usedOfClass >= candidates.length) { // fewer images of the class than the canvas needs
      return candidates[rng.nextInt(candidates.length)];
    }
    while (true) { // rejection sampling; at most 3 images are taken, so this ends fast
      int index = candidates[rng.nextInt(candidates.length)];
      if (!used.contains(index)) {
        return index;
      }
    }
  }
}
