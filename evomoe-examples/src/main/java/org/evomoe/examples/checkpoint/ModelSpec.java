package org.evomoe.examples.checkpoint;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.evomoe.examples.model.DecoderBlock;
import org.evomoe.examples.model.DecoderModel;
import org.evomoe.examples.model.ModelConfig;
import org.evomoe.examples.model.MoeSettings;
import org.evomoe.examples.model.VisionConfig;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.DynamicTokenRouter;
import org.evomoe.router.LinearRouter;
import org.evomoe.router.Modalities;
import org.evomoe.router.ModalityLinearRouter;
import org.evomoe.router.Router;
import org.evomoe.router.RouterKind;

/**
 * Everything needed to rebuild a {@link VisionLanguageModel} exactly, apart from its weights: the
 * content of a checkpoint's config.json (see {@link ModelSpecJson} for the field names). Each MoE
 * layer's {@link org.evomoe.moe.MoeLayerSpec} follows from the decoder configuration ({@link
 * ModelConfig#moeLayerSpec}); nothing about the MoE layers is stated anywhere else.
 *
 * @param decoder the decoder configuration; {@code decoder.moe()} describes how the MoE layers
 *     route now (top-k, renormalisation, loss weights, router kind, modalities, DTR options),
 *     which after a training stage may differ from the settings the model was created with
 *     ({@link #of} reads it from the layers). In {@link MoeMode#DENSE} mode there is no router yet
 *     and {@code decoder.moe()} is the plan for upcycling ({@code decoder.upcycle(rng)})
 * @param vision the vision encoder configuration (the projector maps {@code vision.dVision()} to
 *     {@code decoder.dModel()})
 * @param moeMode whether the MoE layers exist yet and whether they route ({@link MoeMode});
 *     {@link MoeMode#ROUTED} and {@link MoeMode#SEED_ONLY} need at least one MoE layer
 */
public record ModelSpec(ModelConfig decoder, VisionConfig vision, MoeMode moeMode) {
  public ModelSpec {
    if (decoder == null) {
      throw new IllegalArgumentException("decoder configuration must not be null");
    }
    if (vision == null) {
      throw new IllegalArgumentException("vision configuration must not be null");
    }
    if (moeMode == null) {
      throw new IllegalArgumentException("moe mode must not be null");
    }
    if (moeMode != MoeMode.DENSE && decoder.moeLayers().isEmpty()) {
      throw new IllegalArgumentException(
          "moe mode " + moeMode.jsonName() + " needs MoE layers, but moe_layers is empty");
    }
    if (decoder.moe().dtr() != null) {
      decoder.moe().dtr().requireFits(decoder.dModel());
    }
  }

  /** The DTR's options ({@code decoder().moe().dtr()}): null unless the router kind is DTR. */
  public DtrConfig dtr() {
    return decoder.moe().dtr();
  }

  /**
   * The specification of a model as it is now.
   *
   * <p>With no MoE layer present the mode is {@link MoeMode#DENSE} and the decoder configuration
   * is the model's own. Otherwise the layers holding a MoE must be exactly the configured {@code
   * moeLayers}, and every MoE layer must agree on its {@link MoeConfig}, router kind (and DTR
   * sizes) and forced expert (-1: {@link MoeMode#ROUTED}, 0: {@link MoeMode#SEED_ONLY}); the
   * returned {@code decoder.moe()} holds those runtime settings.
   *
   * @throws IllegalArgumentException naming the layer when the model is in a state a checkpoint
   *     cannot describe (partly upcycled, layers that disagree, an expert other than 0 forced, a
   *     router of another class)
   */
  public static ModelSpec of(VisionLanguageModel model) {
    DecoderModel decoder = model.decoder();
    ModelConfig config = decoder.config();
    VisionConfig vision = model.vision().config();
    Set<Integer> present = new TreeSet<>();
    for (DecoderBlock b : decoder.blocks()) {
      if (b.isMoe()) {
        present.add(b.index());
      }
    }
    if (present.isEmpty()) {
      return new ModelSpec(config, vision, MoeMode.DENSE);
    }
    if (!present.equals(config.moeLayers())) {
      throw new IllegalArgumentException(
          "layers " + present + " hold a MoE but the configuration plans MoE layers "
              + config.moeLayers() + "; a checkpoint records either a dense or a fully upcycled"
              + " decoder");
    }
    MoeConfig first = null;
    RouterKind kind = null;
    DtrConfig dtr = null;
    Modalities modalities = null;
    int forced = Integer.MIN_VALUE;
    for (int i : present) {
      MoeLayer moe = decoder.block(i).moe();
      MoeConfig c = moe.config();
      RouterKind k = kindOf(moe.router(), i);
      DtrConfig d = moe.router() instanceof DynamicTokenRouter r ? r.config() : null;
      if (first == null) {
        first = c;
        kind = k;
        dtr = d;
        modalities = moe.modalities();
        forced = moe.forcedExpert();
      } else {
        requireSame(i, "MoE configuration", first, c);
        requireSame(i, "router kind", kind, k);
        requireSame(i, "DTR configuration", dtr, d);
        requireSame(i, "modalities", modalities, moe.modalities());
        requireSame(i, "forced expert", forced, moe.forcedExpert());
      }
    }
    if (forced > 0) {
      throw new IllegalArgumentException(
          "the MoE layers are forced to expert " + forced + "; a checkpoint records only routed"
              + " (forced expert -1) or seed-only (forced expert 0) MoE layers");
    }
    if (first.dModel() != config.dModel() || first.dHidden() != config.ffnHidden()) {
      throw new IllegalArgumentException(
          "the MoE layers are " + first.dModel() + "x" + first.dHidden() + ", the decoder "
              + config.dModel() + "x" + config.ffnHidden());
    }
    MoeSettings settings = new MoeSettings(first.numExperts(), first.routing(), modalities, dtr);
    MoeMode mode = forced == 0 ? MoeMode.SEED_ONLY : MoeMode.ROUTED;
    return new ModelSpec(config.withMoe(settings), vision, mode);
  }

  /** This specification with another MoE mode. */
  public ModelSpec withMoeMode(MoeMode mode) {
    return new ModelSpec(decoder, vision, mode);
  }

  /** The kind of a router instance. */
  static RouterKind kindOf(Router router, int layer) {
    if (router instanceof LinearRouter) {
      return RouterKind.LINEAR;
    }
    if (router instanceof ModalityLinearRouter) {
      return RouterKind.MODALITY_LINEAR;
    }
    if (router instanceof DynamicTokenRouter) {
      return RouterKind.DTR;
    }
    throw new IllegalArgumentException(
        "layer " + layer + " has a router of class " + router.getClass().getName()
            + ", which no router kind describes (" + List.of(RouterKind.values()) + ")");
  }

  private static void requireSame(int layer, String what, Object expected, Object actual) {
    if (!java.util.Objects.equals(expected, actual)) {
      throw new IllegalArgumentException(
          "MoE layer " + layer + " differs from the first MoE layer in its " + what + ": "
              + actual + " vs " + expected + "; a checkpoint records one setting for all MoE"
              + " layers");
    }
  }
}
