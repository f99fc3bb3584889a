package org.evomoe.examples.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.evomoe.nn.Layer;
import org.evomoe.tuning.TunableModel;
import org.evomoe.nn.Shapes;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The LLaVA-style pipeline: vision encoder -> projector -> image rows at the start of each
 * sequence -> decoder. Each sequence holds at most one image of P = {@code
 * vision.tokensPerImage()} positions.
 *
 * <p>Backward runs from the logits into the decoder, then into the projector when it or the
 * vision encoder has a trainable parameter, then into the vision encoder when it has one (the
 * EvoMoE stages keep the vision encoder frozen, so that last step is normally skipped).
 */
public final class VisionLanguageModel implements TunableModel {
  private final VisionEncoder vision;
  private final MultiModalProjector projector;
  private final DecoderModel decoder;
  private DecoderInput input; // cached by forward
  private INDArray lastImageRows; // the rows whose vision and projector caches are current

  public VisionLanguageModel(
      VisionEncoder vision, MultiModalProjector projector, DecoderModel decoder) {
    int dv = vision.config().dVision();
    int dm = decoder.config().dModel();
    if (projector.mlp().first().in() != dv || projector.mlp().second().out() != dm) {
      throw new IllegalArgumentException("projector maps " + projector.mlp().first().in() + " -> "
          + projector.mlp().second().out() + ", the model needs " + dv + " -> " + dm);
    }
    this.vision = vision;
    this.projector = projector;
    this.decoder = decoder;
  }

  public VisionEncoder vision() {
    return vision;
  }

  public MultiModalProjector projector() {
    return projector;
  }

  public DecoderModel decoder() {
    return decoder;
  }

  /** Image rows for the decoder: projector(vision(pixels)), pixels [N, H*W] -> [N*P, dModel]. */
  public INDArray imageRows(INDArray pixels) {
    lastImageRows = projector.forward(vision.forward(pixels));
    return lastImageRows;
  }

  /**
   * The decoder input of a batch whose sequence b starts with an image iff {@code withImage[b]}.
   *
   * @param pixels one canvas per sequence with an image, [count(withImage), H*W], in sequence
   *     order; null when no sequence has one
   * @param tokens [B*S] token ids (entries at image positions are ignored)
   */
  public DecoderInput input(
      INDArray pixels, boolean[] withImage, int batch, int seqLen, int[] tokens) {
    return input(pixels, withImage, batch, seqLen, tokens, null);
  }

  /**
   * As {@link #input(INDArray, boolean[], int, int, int[])}, with right padding: positions from
   * {@code lengths[b]} on are not real ({@link DecoderInput#lengths()}); null: all real.
   */
  public DecoderInput input(INDArray pixels, boolean[] withImage, int batch, int seqLen,
      int[] tokens, int[] lengths) {
    if (withImage == null || withImage.length != batch) {
      throw new IllegalArgumentException("withImage needs one entry per sequence (" + batch + ")");
    }
    int images = 0;
    int[] counts = new int[batch];
    for (int b = 0; b < batch; b++) {
      if (withImage[b]) {
        images++;
        counts[b] = vision.tokensPerImage();
      }
    }
    if (images == 0) {
      if (pixels != null && pixels.size(0) != 0) {
        throw new IllegalArgumentException("pixels given but no sequence has an image");
      }
      return new DecoderInput(batch, seqLen, tokens, counts, null, lengths);
    }
    Shapes.requireShape("pixels", pixels, images, vision.config().pixels());
    return new DecoderInput(batch, seqLen, tokens, counts, imageRows(pixels), lengths);
  }

  /**
   * Training forward where every sequence starts with one image.
   *
   * @param pixels [B, H*W]
   * @return logits [B*S, V]
   */
  public INDArray forward(INDArray pixels, int batch, int seqLen, int[] tokens) {
    boolean[] all = new boolean[batch];
    java.util.Arrays.fill(all, true);
    return forward(input(pixels, all, batch, seqLen, tokens));
  }

  /** Training forward of an input built by {@link #input} (its image rows came from this model). */
  public INDArray forward(DecoderInput in) {
    this.input = in;
    return decoder.forward(in);
  }

  /**
   * @param dLogits [B*S, V]; accumulates the gradients of every trainable parameter on the path
   */
  public void backward(INDArray dLogits) {
    Shapes.requireForward("VisionLanguageModel", input);
    if (input.totalImageRows() > 0 && input.imageRows() != lastImageRows) {
      throw new IllegalStateException(
          "the image rows of the last forward are not the last ones this model computed: build the"
              + " input with input(...) right before forward");
    }
    INDArray dRows = decoder.backward(dLogits);
    if (input.totalImageRows() == 0) {
      return;
    }
    boolean visionTrains = anyTrainable(vision);
    if (visionTrains || anyTrainable(projector)) {
      INDArray dFeatures = projector.backward(dRows);
      if (visionTrains) {
        vision.backward(dFeatures);
      }
    }
  }

  @Override
  public List<org.evomoe.moe.MoeLayer> moeLayers() {
    return decoder.moeLayers();
  }

  @Override
  public List<Parameter> visionParameters() {
    return vision.parameters();
  }

  @Override
  public List<Parameter> projectorParameters() {
    return projector.parameters();
  }

  /** The decoder's MoE auxiliary loss of the last forward. */
  public double auxLoss() {
    return decoder.auxLoss();
  }

  private static boolean anyTrainable(Layer l) {
    for (Parameter p : l.parameters()) {
      if (p.trainable()) {
        return true;
      }
    }
    return false;
  }

  /** Vision encoder, projector, then decoder parameters. */
  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>(vision.parameters());
    ps.addAll(projector.parameters());
    ps.addAll(decoder.parameters());
    return Collections.unmodifiableList(ps);
  }
}
