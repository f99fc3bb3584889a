package org.evomoe.examples.model;

import org.evomoe.router.Modality;
import org.evomoe.tensor.Buffers;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Finds where non-finite values (NaN, infinity) first appear in a forward pass: the forward is
 * replayed stage by stage (patch embedding, each vision encoder layer, the projector, the token
 * embedding, each decoder layer, the final norm, lm_head) and the first stage whose output is not
 * finite is named. Finite weights can still overflow (a corrupted but finite value of 1e30 makes
 * the next matrix product infinite), so a check of the weights alone does not find it.
 *
 * <p>Used only after a cheap check of the logits has failed ({@link #allFinite}); the replay costs
 * one more forward.
 */
public final class NonFiniteActivations {
  private NonFiniteActivations() {}

  /**
   * Whether every value of {@code a} is finite. Dense FLOAT and DOUBLE arrays are scanned in plain
   * Java (ND4J's two boolean reductions cost more than a whole decoding step's matrix products);
   * other arrays go through ND4J.
   */
  public static boolean allFinite(INDArray a) {
    if (a.length() == 0) {
      return true;
    }
    if (Buffers.supports(a.dataType()) && Buffers.isDense(a)) {
      return Buffers.of(a).allFinite();
    }
    return !(a.isNaN().any() || a.isInfinite().any());
  }

  /**
   * The first stage of {@code model}'s forward on {@code in} whose output holds a non-finite
   * value, e.g. {@code "decoder layer 1 (model.layers.1)"}, or null when every stage is finite.
   *
   * @param pixels the canvases {@code in}'s image rows were made from, [N, H*W], or null when it
   *     has none (the vision stages are then skipped)
   * @param in the decoder input (its image rows are recomputed from {@code pixels} when given)
   */
  public static String firstNonFinite(VisionLanguageModel model, INDArray pixels, DecoderInput in) {
    if (pixels != null && pixels.size(0) > 0) {
      VisionEncoder v = model.vision();
      int n = (int) pixels.size(0);
      int patches = v.config().numPatches();
      if (!allFinite(pixels)) {
        return "the input image";
      }
      INDArray z = v.patchEmbedding().forward(v.patchify(pixels));
      z.addi(Nd4j.tile(v.positionEmbedding().value(), n, 1));
      if (!allFinite(z)) {
        return "the vision patch embedding (" + VisionEncoder.PREFIX + ".embeddings)";
      }
      for (int i = 0; i < v.layers().size(); i++) {
        z = v.layers().get(i).forward(z, n, patches);
        if (!allFinite(z)) {
          return "vision encoder layer " + i + " (" + VisionEncoder.PREFIX + ".encoder.layers." + i + ")";
        }
      }
      if (!allFinite(model.projector().forward(z))) {
        return "the multi-modal projector (" + MultiModalProjector.PREFIX + ")";
      }
    }
    return firstNonFinite(model.decoder(), in);
  }

  /**
   * The decoder part of {@link #firstNonFinite(VisionLanguageModel, INDArray, DecoderInput)}: the
   * image rows as given, then the decoder's stages.
   */
  public static String firstNonFinite(DecoderModel d, DecoderInput in) {
    if (in.imageRows() != null && in.totalImageRows() > 0 && !allFinite(in.imageRows())) {
      return "the image rows (the vision encoder and projector)";
    }
    INDArray x = d.embed(in);
    if (!allFinite(x)) {
      return "the token embedding (model.embed_tokens)";
    }
    Modality[] tags = in.modalities();
    for (DecoderBlock b : d.blocks()) {
      x = b.forward(x, in.batch(), in.seqLen(), tags);
      if (!allFinite(x)) {
        return "decoder layer " + b.index() + " (" + DecoderBlock.prefix(b.index()) + ")";
      }
    }
    x = d.norm().forward(x);
    if (!allFinite(x)) {
      return "the final norm (model.norm)";
    }
    if (!allFinite(d.lmHead().forward(x))) {
      return "lm_head";
    }
    return null;
  }

  /**
   * The error for non-finite outputs: names the stage where they first appeared.
   *
   * @param what what was being computed, e.g. "the log-probabilities of --prompt"
   */
  public static IllegalStateException error(VisionLanguageModel model, INDArray pixels,
      DecoderInput in, String what) {
    return error(firstNonFinite(model, pixels, in), what);
  }

  /** {@link #error(VisionLanguageModel, INDArray, DecoderInput, String)} for the decoder alone. */
  public static IllegalStateException error(DecoderModel d, DecoderInput in, String what) {
    return error(firstNonFinite(d, in), what);
  }

  private static IllegalStateException error(String where, String what) {
    return new IllegalStateException("non-finite values (NaN or infinity) in " + what
        + (where == null ? "" : "; they first appear in the output of " + where)
        + ": the model's weights are damaged or overflow");
  }
}
