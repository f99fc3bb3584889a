package org.evomoe.examples.model;

import java.util.Collections;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayerSpec;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Configuration of the LLaMA-style decoder.
 *
 * @param vocabSize V &gt; 0
 * @param dModel model width d &gt; 0, divisible by numHeads
 * @param numLayers decoder layers &gt; 0
 * @param numHeads query heads H; head width d / H must be even (RoPE)
 * @param numKvHeads key/value heads, dividing H (H: multi-head attention, fewer: GQA)
 * @param ffnHidden SwiGLU hidden width (dense FFN and every expert)
 * @param ropeTheta RoPE frequency base (LLaMA: 10000), finite and &gt; 0
 * @param normEps RMSNorm epsilon &gt; 0
 * @param moeLayers indices of the layers whose FFN is a MoE, each in [0, numLayers); stored as an
 *     unmodifiable sorted set ({@link #everyOtherLayer} gives MoE-LLaVA's 0, 2, 4, ...)
 * @param moe what the MoE layers look like (experts and their {@link org.evomoe.moe.RoutingConfig})
 */
public record ModelConfig(
    int vocabSize,
    int dModel,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int ffnHidden,
    double ropeTheta,
    double normEps,
    Set<Integer> moeLayers,
    MoeSettings moe) {
  public ModelConfig {
    positive("vocabSize", vocabSize);
    positive("dModel", dModel);
    positive("numLayers", numLayers);
    positive("numHeads", numHeads);
    positive("ffnHidden", ffnHidden);
    if (dModel % numHeads != 0) {
      throw new IllegalArgumentException(
          "dModel " + dModel + " is not divisible by numHeads " + numHeads);
    }
    if ((dModel / numHeads) % 2 != 0) {
      throw new IllegalArgumentException(
          "head width dModel / numHeads = " + dModel / numHeads + " must be even for RoPE");
    }
    if (numKvHeads <= 0 || numHeads % numKvHeads != 0) {
      throw new IllegalArgumentException(
          "numKvHeads must be positive and divide numHeads " + numHeads + ", got " + numKvHeads);
    }
    if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
      throw new IllegalArgumentException("ropeTheta must be finite and > 0, got " + ropeTheta);
    }
    if (!(normEps > 0) || Double.isInfinite(normEps)) {
      throw new IllegalArgumentException("normEps must be finite and > 0, got " + normEps);
    }
    if (moeLayers == null) {
      throw new IllegalArgumentException("moeLayers must not be null (use an empty set)");
    }
    SortedSet<Integer> sorted = new TreeSet<>();
    for (Integer i : moeLayers) {
      if (i == null || i < 0 || i >= numLayers) {
        throw new IllegalArgumentException(
            "MoE layer index " + i + " is outside [0, numLayers=" + numLayers + ")");
      }
      sorted.add(i);
    }
    moeLayers = Collections.unmodifiableSortedSet(sorted);
    if (moe == null) {
      throw new IllegalArgumentException("moe settings must not be null");
    }
  }

  /** The layers 0, 2, 4, ... below {@code numLayers} (MoE-LLaVA and EvoMoE). */
  public static Set<Integer> everyOtherLayer(int numLayers) {
    positive("numLayers", numLayers);
    SortedSet<Integer> s = new TreeSet<>();
    for (int i = 0; i < numLayers; i += 2) {
      s.add(i);
    }
    return s;
  }

  /** Whether layer {@code i} has a MoE FFN. */
  public boolean isMoeLayer(int i) {
    return moeLayers.contains(i);
  }

  /** Head width d / H. */
  public int headDim() {
    return dModel / numHeads;
  }

  /** The same configuration with other MoE layers. */
  public ModelConfig withMoeLayers(Set<Integer> layers) {
    return new ModelConfig(vocabSize, dModel, numLayers, numHeads, numKvHeads, ffnHidden,
        ropeTheta, normEps, layers, moe);
  }

  /** The same configuration with other MoE settings. */
  public ModelConfig withMoe(MoeSettings settings) {
    return new ModelConfig(vocabSize, dModel, numLayers, numHeads, numKvHeads, ffnHidden,
        ropeTheta, normEps, moeLayers, settings);
  }

  /** The attention configuration of every decoder layer. */
  public AttentionConfig attention() {
    return AttentionConfig.decoder(dModel, numHeads, numKvHeads, ropeTheta);
  }

  /** The core configuration of one MoE layer: d = dModel, hidden = ffnHidden, E and routing. */
  public MoeConfig moeConfig() {
    return new MoeConfig(dModel, ffnHidden, moe.numExperts(), moe.routing());
  }

  /**
   * The specification of layer {@code layer}'s MoE, from which the layer, its router and its
   * parameter names follow: prefix {@code model.layers.<layer>.mlp}, {@link #moeConfig()}, the
   * modalities and DTR options of {@link #moe()}, no Stage II settings (a training recipe's), and
   * the model's data type.
   *
   * @throws IllegalArgumentException unless {@code layer} is one of {@link #moeLayers()}
   */
  public MoeLayerSpec moeLayerSpec(int layer, DataType type) {
    if (!isMoeLayer(layer)) {
      throw new IllegalArgumentException(
          "layer " + layer + " is not a MoE layer (MoE layers: " + moeLayers + ")");
    }
    return new MoeLayerSpec(DecoderBlock.mlpPrefix(layer), moeConfig(), moe.modalities(), moe.dtr(),
        null, type);
  }

  private static void positive(String what, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(what + " must be positive, got " + v);
    }
  }
}
