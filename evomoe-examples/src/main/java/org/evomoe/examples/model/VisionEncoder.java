package org.evomoe.examples.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.nn.Layer;
import org.evomoe.nn.Linear;
import org.evomoe.nn.Shapes;
import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.Init;
import org.evomoe.tensor.Kernels;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A small ViT for grayscale canvases: non-overlapping p x p patches, each flattened and mapped
 * linearly to dVision (CLIP's bias-free patch convolution, written as a matrix), plus a learned
 * position embedding per patch, followed by {@code numLayers} pre-norm encoder layers ({@link
 * VisionEncoderLayer}). The output rows are the image tokens' features; no class token, no final
 * norm (LLaVA also feeds un-normed hidden states to the projector).
 *
 * <p>Shapes: pixels {@code [N, H*W]} (image n's canvas row-major in row n) -> features {@code
 * [N*P, dVision]} with P = (H/p)(W/p) patches per image, patch {@code py * (W/p) + px} at row
 * {@code n*P + py*(W/p) + px}; a patch's pixels are flattened row-major ({@code dy * p + dx}).
 *
 * <p>Parameter names (CLIP layout under {@code vision_tower.vision_model}): {@code
 * embeddings.patch_embedding.weight [dVision, p*p]} (a 1-channel convolution kernel {@code
 * [dVision, 1, p, p]} flattened), {@code embeddings.position_embedding.weight [P, dVision]}, then
 * {@code encoder.layers.i.*}.
 */
public final class VisionEncoder implements Layer {
  /** Parameter prefix. */
  public static final String PREFIX = "vision_tower.vision_model";

  private final VisionConfig config;
  private final Linear patchEmbedding; // weight [dVision, p*p]
  private final Parameter positionEmbedding; // [P, dVision]
  private final List<VisionEncoderLayer> layers;
  private int images = -1; // cached by forward

  /** Patch weights ~ N(0, 1/(p*p)), position embeddings ~ N(0, 0.02^2) (CLIP's initialiser range). */
  public VisionEncoder(VisionConfig config, DataType type, SplittableRandom rng) {
    this.config = config;
    this.patchEmbedding = new Linear(PREFIX + ".embeddings.patch_embedding", config.patchPixels(),
        config.dVision(), false, type, rng);
    this.positionEmbedding = new Parameter(PREFIX + ".embeddings.position_embedding.weight",
        Init.normal(rng, 0.02, type, config.numPatches(), config.dVision()), true);
    List<VisionEncoderLayer> ls = new ArrayList<>();
    for (int i = 0; i < config.numLayers(); i++) {
      ls.add(new VisionEncoderLayer(i, config, type, rng));
    }
    this.layers = Collections.unmodifiableList(ls);
  }

  public VisionConfig config() {
    return config;
  }

  public Linear patchEmbedding() {
    return patchEmbedding;
  }

  public Parameter positionEmbedding() {
    return positionEmbedding;
  }

  public List<VisionEncoderLayer> layers() {
    return layers;
  }

  /** Image tokens per image, P. */
  public int tokensPerImage() {
    return config.numPatches();
  }

  /**
   * @param pixels [N, H*W]
   * @return features [N*P, dVision]
   */
  public INDArray forward(INDArray pixels) {
    Shapes.requireMatrix("pixels (one canvas of " + config.imageHeight() + "x" + config.imageWidth()
        + " per row)", pixels, config.pixels());
    int n = (int) pixels.size(0);
    if (n == 0) {
      throw new IllegalArgumentException("pixels must hold at least one image");
    }
    int patches = config.numPatches();
    INDArray z = patchEmbedding.forward(patchify(pixels));
    z.addi(Nd4j.tile(positionEmbedding.value(), n, 1));
    for (VisionEncoderLayer l : layers) {
      z = l.forward(z, n, patches);
    }
    this.images = n;
    return z;
  }

  /**
   * @param dFeatures [N*P, dVision]
   * @return d(pixels) [N, H*W]; accumulates the gradients of trainable parameters
   */
  public INDArray backward(INDArray dFeatures) {
    if (images < 0) {
      throw new IllegalStateException("VisionEncoder: backward called without a preceding forward");
    }
    int patches = config.numPatches();
    int d = config.dVision();
    Shapes.requireShape("vision feature gradient", dFeatures, (long) images * patches, d);
    INDArray dz = dFeatures;
    for (int i = layers.size() - 1; i >= 0; i--) {
      dz = layers.get(i).backward(dz);
    }
    if (positionEmbedding.trainable()) {
      Kernels.addColumnSums(dz.reshape(images, (long) patches * d), positionEmbedding.grad());
    }
    return unpatchify(patchEmbedding.backward(dz), images);
  }

  /** [N, H*W] -> [N*P, p*p]. */
  INDArray patchify(INDArray pixels) {
    INDArray src = pixels.isView() || pixels.ordering() != 'c' ? pixels.dup('c') : pixels;
    int n = (int) src.size(0);
    int p = config.patchSize();
    int w = config.imageWidth();
    int gx = w / p;
    int patches = config.numPatches();
    int pp = p * p;
    INDArray dst = Nd4j.createUninitialized(src.dataType(), (long) n * patches, pp);
    Buffers bs = Buffers.of(src);
    Buffers bd = Buffers.of(dst);
    double[] patch = new double[pp];
    for (int img = 0; img < n; img++) {
      for (int q = 0; q < patches; q++) {
        int py = q / gx;
        int px = q % gx;
        for (int dy = 0; dy < p; dy++) {
          long at = (long) img * config.pixels() + (long) (py * p + dy) * w + px * p;
          bs.read(at, patch, dy * p, p);
        }
        bd.write(((long) img * patches + q) * pp, patch, 0, pp);
      }
    }
    return dst;
  }

  /** [N*P, p*p] -> [N, H*W], the transpose of {@link #patchify} (patches do not overlap). */
  private INDArray unpatchify(INDArray dPatches, int n) {
    int p = config.patchSize();
    int w = config.imageWidth();
    int gx = w / p;
    int patches = config.numPatches();
    int pp = p * p;
    INDArray dst = Nd4j.createUninitialized(dPatches.dataType(), n, config.pixels());
    Buffers bs = Buffers.of(dPatches);
    Buffers bd = Buffers.of(dst);
    double[] patch = new double[pp];
    for (int img = 0; img < n; img++) {
      for (int q = 0; q < patches; q++) {
        int py = q / gx;
        int px = q % gx;
        bs.read(((long) img * patches + q) * pp, patch, 0, pp);
        for (int dy = 0; dy < p; dy++) {
          long at = (long) img * config.pixels() + (long) (py * p + dy) * w + px * p;
          bd.write(at, patch, dy * p, p);
        }
      }
    }
    return dst;
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>(patchEmbedding.parameters());
    ps.add(positionEmbedding);
    for (VisionEncoderLayer l : layers) {
      ps.addAll(l.parameters());
    }
    return Collections.unmodifiableList(ps);
  }
}
