package org.evomoe.examples.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.TokenMask;
import org.evomoe.nn.Layer;
import org.evomoe.nn.RmsNorm;
import org.evomoe.nn.Shapes;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.Modality;
import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.Kernels;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.ScopedArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One pre-norm LLaMA decoder layer: {@code z' = z + Attn(RMSNorm(z))}, {@code out = z' +
 * F(RMSNorm(z'))}, where F is a dense SwiGLU FFN or a sparse MoE of SwiGLU experts. The MoE
 * receives every row's modality tag.
 *
 * <p>Rows are batch-first: {@code [B*S, d]}, row {@code b*S + s} is token s of sequence b.
 *
 * <p>Parameter names (layer i): {@code model.layers.i.input_layernorm.weight [d]}, {@code
 * model.layers.i.self_attn.{q,k,v,o}_proj.weight}, {@code
 * model.layers.i.post_attention_layernorm.weight [d]}; dense FFN {@code
 * model.layers.i.mlp.{gate,up,down}_proj.weight}; MoE {@code
 * model.layers.i.mlp.gate.weight [E, d]} (router) and {@code
 * model.layers.i.mlp.experts.e.{gate,up,down}_proj.weight}.
 */
public final class DecoderBlock implements Layer {
  private final int index;
  private final int dModel;
  private final RmsNorm inputNorm;
  private final MultiHeadAttention attention;
  private final RmsNorm postAttentionNorm;
  private SwiGluFfn dense; // exactly one of dense and moe is set
  private final ScopedArrays scoped = new ScopedArrays(); // forwardCached's arrays while decoding
  private MoeLayer moe;

  /** A freshly initialised layer with a dense FFN. */
  public DecoderBlock(int index, ModelConfig config, DataType type, SplittableRandom rng) {
    if (index < 0 || index >= config.numLayers()) {
      throw new IllegalArgumentException(
          "layer index " + index + " is outside [0, " + config.numLayers() + ")");
    }
    this.index = index;
    this.dModel = config.dModel();
    String p = prefix(index);
    this.inputNorm = new RmsNorm(p + ".input_layernorm", dModel, config.normEps(), type);
    this.attention = new MultiHeadAttention(p + ".self_attn", "o_proj", config.attention(), type, rng);
    this.postAttentionNorm =
        new RmsNorm(p + ".post_attention_layernorm", dModel, config.normEps(), type);
    this.dense = new SwiGluFfn(mlpPrefix(index), dModel, config.ffnHidden(), type, rng);
  }

  /** {@code model.layers.i}. */
  public static String prefix(int index) {
    return "model.layers." + index;
  }

  /** {@code model.layers.i.mlp}: the dense FFN's prefix and the MoE's (experts, gate) prefix. */
  public static String mlpPrefix(int index) {
    return prefix(index) + ".mlp";
  }

  public int index() {
    return index;
  }

  public RmsNorm inputNorm() {
    return inputNorm;
  }

  public MultiHeadAttention attention() {
    return attention;
  }

  public RmsNorm postAttentionNorm() {
    return postAttentionNorm;
  }

  /** Whether the FFN is a MoE. */
  public boolean isMoe() {
    return moe != null;
  }

  /** The dense FFN; throws when the layer holds a MoE. */
  public SwiGluFfn denseFfn() {
    if (dense == null) {
      throw new IllegalStateException("layer " + index + " has a MoE FFN, not a dense one");
    }
    return dense;
  }

  /** The MoE; throws when the layer holds a dense FFN. */
  public MoeLayer moe() {
    if (moe == null) {
      throw new IllegalStateException("layer " + index + " has a dense FFN, not a MoE");
    }
    return moe;
  }

  /** Replaces the FFN by a dense one of width d (named {@code model.layers.i.mlp.*}). */
  public void setFfn(SwiGluFfn ffn) {
    if (ffn.dModel() != dModel) {
      throw new IllegalArgumentException(
          "layer " + index + " needs an FFN of width " + dModel + ", got " + ffn.dModel());
    }
    this.dense = ffn;
    this.moe = null;
  }

  /** Replaces the FFN by a MoE of width d (named {@code model.layers.i.mlp.*}). */
  public void setFfn(MoeLayer layer) {
    if (layer.config().dModel() != dModel) {
      throw new IllegalArgumentException(
          "layer " + index + " needs a MoE of width " + dModel + ", got " + layer.config().dModel());
    }
    this.moe = layer;
    this.dense = null;
  }

  /**
   * Every row real.
   *
   * @param z [B*S, d]
   * @param modalities one tag per row (passed to the MoE)
   * @return [B*S, d]
   */
  public INDArray forward(INDArray z, int batch, int seqLen, Modality[] modalities) {
    return forward(z, batch, seqLen, modalities, TokenMask.allReal((int) z.size(0)));
  }

  /**
   * @param z [B*S, d]
   * @param modalities one tag per row (passed to the MoE)
   * @param mask the real rows; the MoE FFN routes only those (0 at padded rows)
   * @return [B*S, d]
   */
  public INDArray forward(
      INDArray z, int batch, int seqLen, Modality[] modalities, TokenMask mask) {
    return forward(z, batch, seqLen, MultiHeadAttention.defaultPositions(batch, seqLen, 0),
        modalities, mask);
  }

  /** As {@link #forward(INDArray, int, int, Modality[])} with explicit RoPE positions [B*S]. */
  public INDArray forward(
      INDArray z, int batch, int seqLen, int[] positions, Modality[] modalities) {
    return forward(z, batch, seqLen, positions, modalities, TokenMask.allReal((int) z.size(0)));
  }

  /** As {@link #forward(INDArray, int, int, Modality[], TokenMask)} with RoPE positions [B*S]. */
  public INDArray forward(INDArray z, int batch, int seqLen, int[] positions,
      Modality[] modalities, TokenMask mask) {
    Shapes.requireMatrix(prefix(index) + " input", z, dModel);
    Modality.validate(modalities, z.size(0));
    mask.requireSize(z.size(0));
    INDArray a = attention.forward(inputNorm.forward(z), batch, seqLen, positions);
    return residualFfn(z, a, modalities, mask, false);
  }

  /**
   * Incremental (inference) forward of new rows against layer {@code index}'s cached keys and
   * values, which it extends; see {@link MultiHeadAttention#forwardCached}.
   */
  public INDArray forwardCached(
      INDArray z, int batch, int newLen, Modality[] modalities, KvCache cache) {
    Shapes.requireMatrix(prefix(index) + " input", z, dModel);
    Modality.validate(modalities, z.size(0));
    // Decoding (a few rows in a FrozenWeights scope): the norms' and the attention's outputs go to
    // arrays kept for the scope; only the block's output is new.
    boolean keep = ScopedArrays.keeps(z.size(0), z.dataType());
    INDArray normed = keep
        ? inputNorm.forward(z, scoped.get(0, z.dataType(), z.size(0), dModel))
        : inputNorm.forward(z);
    INDArray a = attention.forwardCached(normed, batch, newLen, cache, index,
        keep ? scoped.get(1, z.dataType(), z.size(0), dModel) : null);
    return residualFfn(z, a, modalities, TokenMask.allReal((int) z.size(0)), true,
        keep ? scoped.get(2, z.dataType(), z.size(0), dModel) : null);
  }

  /**
   * The residual additions and the FFN; {@code plainJavaAdds} (decoding: a few rows) adds in plain
   * Java instead of two ND4J ops, with the same bits ({@link Kernels#addInPlace}).
   */
  private INDArray residualFfn(INDArray z, INDArray attnOut, Modality[] modalities,
      TokenMask mask, boolean plainJavaAdds) {
    return residualFfn(z, attnOut, modalities, mask, plainJavaAdds, null);
  }

  /** As above, the post-attention norm written into {@code normOut} unless it is null. */
  private INDArray residualFfn(INDArray z, INDArray attnOut, Modality[] modalities,
      TokenMask mask, boolean plainJavaAdds, INDArray normOut) {
    boolean java = plainJavaAdds && Buffers.isDense(attnOut) && Buffers.isDense(z)
        && Buffers.supports(z.dataType()) && z.dataType() == attnOut.dataType();
    INDArray mid = attnOut; // z' = z + Attn(Norm(z))
    if (java) {
      Kernels.addInPlace(mid, z);
    } else {
      mid.addi(z);
    }
    INDArray h = normOut == null
        ? postAttentionNorm.forward(mid)
        : postAttentionNorm.forward(mid, normOut);
    INDArray f = moe != null ? moe.forward(h, modalities, mask) : dense.forward(h);
    if (java && Buffers.isDense(f) && f.dataType() == mid.dataType()) {
      Kernels.addInPlace(f, mid);
      return f;
    }
    return f.addi(mid);
  }

  /**
   * @param dOut [B*S, d]
   * @return dz [B*S, d]; accumulates the gradients of trainable parameters (and the MoE's
   *     auxiliary-loss gradients)
   */
  public INDArray backward(INDArray dOut) {
    INDArray dh = moe != null ? moe.backward(dOut) : dense.backward(dOut);
    INDArray dMid = postAttentionNorm.backward(dh).addi(dOut);
    INDArray da = attention.backward(dMid);
    return inputNorm.backward(da).addi(dMid);
  }

  /** This layer's auxiliary-loss contribution from the last forward (0 for a dense FFN). */
  public double weightedAuxLoss() {
    return moe != null ? moe.weightedLoss() : 0.0;
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>(inputNorm.parameters());
    ps.addAll(attention.parameters());
    ps.addAll(postAttentionNorm.parameters());
    ps.addAll(moe != null ? moe.parameters() : dense.parameters());
    return Collections.unmodifiableList(ps);
  }
}
