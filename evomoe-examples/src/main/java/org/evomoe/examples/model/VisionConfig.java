package org.evomoe.examples.model;

/**
 * Configuration of the small vision encoder ({@link VisionEncoder}).
 *
 * @param imageHeight canvas height in pixels, a multiple of patchSize
 * @param imageWidth canvas width in pixels, a multiple of patchSize
 * @param patchSize p: the canvas is cut into non-overlapping p x p patches
 * @param dVision encoder width
 * @param numLayers transformer encoder layers, &gt;= 0 (0: patch and position embedding only)
 * @param numHeads attention heads, dividing dVision
 * @param mlpHidden hidden width of each layer's GELU MLP
 * @param normEps RMSNorm epsilon &gt; 0
 */
public record VisionConfig(
    int imageHeight,
    int imageWidth,
    int patchSize,
    int dVision,
    int numLayers,
    int numHeads,
    int mlpHidden,
    double normEps) {
  public VisionConfig {
    if (patchSize <= 0) {
      throw new IllegalArgumentException("patchSize must be positive, got " + patchSize);
    }
    if (imageHeight <= 0 || imageHeight % patchSize != 0) {
      throw new IllegalArgumentException(
          "imageHeight must be a positive multiple of patchSize " + patchSize + ", got " + imageHeight);
    }
    if (imageWidth <= 0 || imageWidth % patchSize != 0) {
      throw new IllegalArgumentException(
          "imageWidth must be a positive multiple of patchSize " + patchSize + ", got " + imageWidth);
    }
    if (dVision <= 0) {
      throw new IllegalArgumentException("dVision must be positive, got " + dVision);
    }
    if (numLayers < 0) {
      throw new IllegalArgumentException("numLayers must be >= 0, got " + numLayers);
    }
    if (numHeads <= 0 || dVision % numHeads != 0) {
      throw new IllegalArgumentException(
          "numHeads must be positive and divide dVision " + dVision + ", got " + numHeads);
    }
    if (mlpHidden <= 0) {
      throw new IllegalArgumentException("mlpHidden must be positive, got " + mlpHidden);
    }
    if (!(normEps > 0) || Double.isInfinite(normEps)) {
      throw new IllegalArgumentException("normEps must be finite and > 0, got " + normEps);
    }
  }

  /** Patches per image: (H / p) * (W / p). */
  public int numPatches() {
    return (imageHeight / patchSize) * (imageWidth / patchSize);
  }

  /** Pixels per image H * W. */
  public int pixels() {
    return imageHeight * imageWidth;
  }

  /** Pixels per patch p * p. */
  public int patchPixels() {
    return patchSize * patchSize;
  }
}
