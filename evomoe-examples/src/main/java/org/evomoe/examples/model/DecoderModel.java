package org.evomoe.examples.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.TokenMask;
import org.evomoe.moe.Upcycling;
import org.evomoe.nn.Layer;
import org.evomoe.nn.Linear;
import org.evomoe.nn.RmsNorm;
import org.evomoe.nn.Shapes;
import org.evomoe.router.Modality;
import org.evomoe.router.Router;
import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.Init;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.ScopedArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A small LLaMA-style multimodal decoder: token embedding (image positions take pre-computed
 * rows from the vision path instead), N pre-norm decoder layers (dense SwiGLU or MoE FFN), final
 * RMSNorm and an untied LM head. Hand-written backward throughout.
 *
 * <p>Layout: B sequences of S positions are the rows of {@code [B*S, d]}, row {@code b*S + s}
 * being position s of sequence b ({@link DecoderInput}). Image positions come first in each
 * sequence and carry {@link Modality#IMAGE}; text positions carry {@link Modality#TEXT}.
 *
 * <p>Parameter names (Hugging Face LLaMA layout): {@code model.embed_tokens.weight [V, d]}, the
 * layers' {@code model.layers.i.*} ({@link DecoderBlock}), {@code model.norm.weight [d]}, {@code
 * lm_head.weight [V, d]}.
 *
 * <p>Training: {@code logits = forward(input)}; {@code loss = ce.forward(logits, targets) +
 * auxLoss()}; {@code dImage = backward(ce.backward())}. The MoE layers add their auxiliary-loss
 * gradients during backward, so the gradient is that of the whole sum.
 */
public final class DecoderModel implements Layer {
  private final ModelConfig config;
  private final DataType type;
  private final Parameter embedTokens; // [V, d]
  private final List<DecoderBlock> blocks;
  private final RmsNorm norm;
  private final Linear lmHead; // weight [V, d]
  private DecoderInput input; // cached by the training forward; null after a cached forward
  private final ScopedArrays scoped = new ScopedArrays(); // the cached forward's final norm

  private DecoderModel(ModelConfig config, DataType type, SplittableRandom rng) {
    this.config = config;
    this.type = type;
    this.embedTokens = new Parameter("model.embed_tokens.weight",
        Init.normal(rng, 1.0, type, config.vocabSize(), config.dModel()), true);
    List<DecoderBlock> bs = new ArrayList<>(config.numLayers());
    for (int i = 0; i < config.numLayers(); i++) {
      bs.add(new DecoderBlock(i, config, type, rng));
    }
    this.blocks = Collections.unmodifiableList(bs);
    this.norm = new RmsNorm("model.norm", config.dModel(), config.normEps(), type);
    this.lmHead = new Linear("lm_head", config.dModel(), config.vocabSize(), false, type, rng);
  }

  /**
   * A fresh model whose layers in {@code config.moeLayers()} hold a MoE built from their {@link
   * ModelConfig#moeLayerSpec} (independently initialised experts, then the router); the others
   * hold a dense FFN. Embedding ~ N(0, 1); linear weights ~ N(0, 1/fan_in); norms 1.
   */
  public static DecoderModel create(ModelConfig config, DataType type, SplittableRandom rng) {
    DecoderModel m = new DecoderModel(config, type, rng);
    for (int i : config.moeLayers()) {
      m.blocks.get(i).setFfn(config.moeLayerSpec(i, type).newLayer(rng));
    }
    return m;
  }

  /**
   * A fresh model with a dense FFN in every layer (Stage I warm-up); {@link #upcycle} later turns
   * the configured MoE layers into MoEs.
   */
  public static DecoderModel createDense(ModelConfig config, DataType type, SplittableRandom rng) {
    return new DecoderModel(config, type, rng);
  }

  public ModelConfig config() {
    return config;
  }

  public DataType dataType() {
    return type;
  }

  /** {@code model.embed_tokens.weight [V, d]}. */
  public Parameter embedTokens() {
    return embedTokens;
  }

  public List<DecoderBlock> blocks() {
    return blocks;
  }

  public DecoderBlock block(int i) {
    if (i < 0 || i >= blocks.size()) {
      throw new IllegalArgumentException("layer " + i + " is outside [0, " + blocks.size() + ")");
    }
    return blocks.get(i);
  }

  /** {@code model.norm}. */
  public RmsNorm norm() {
    return norm;
  }

  /** {@code lm_head}, weight [V, d]. */
  public Linear lmHead() {
    return lmHead;
  }

  /** The MoE layers present now, in layer order. */
  public List<MoeLayer> moeLayers() {
    List<MoeLayer> out = new ArrayList<>();
    for (DecoderBlock b : blocks) {
      if (b.isMoe()) {
        out.add(b.moe());
      }
    }
    return out;
  }

  /**
   * Sparse upcycling of the configured MoE layers: each one's dense FFN becomes a MoE whose
   * experts are copies of it, with a fresh router, as its {@link ModelConfig#moeLayerSpec}
   * describes ({@link org.evomoe.moe.MoeLayerSpec#upcycle}).
   */
  public void upcycle(SplittableRandom rng) {
    for (int i : config.moeLayers()) {
      if (block(i).isMoe()) {
        throw new IllegalStateException("layer " + i + " already has a MoE FFN");
      }
    }
    for (int i : config.moeLayers()) {
      DecoderBlock b = block(i);
      b.setFfn(config.moeLayerSpec(i, type).upcycle(b.denseFfn(), rng));
    }
  }

  /**
   * Sparse upcycling of chosen layers with routers of the caller's own (a router the
   * configuration cannot describe, e.g. for a comparison with another implementation; {@link
   * #upcycle(SplittableRandom)} is the configured way).
   *
   * @param layers layer indices whose FFN is dense now
   * @param moeConfig MoE shape; its dModel and dHidden must match the dense FFN
   * @param routers builds router {@code model.layers.i.mlp.gate}
   */
  public void upcycle(
      Set<Integer> layers, MoeConfig moeConfig, RouterFactory routers, SplittableRandom rng) {
    for (int i : layers) {
      if (block(i).isMoe()) {
        throw new IllegalStateException("layer " + i + " already has a MoE FFN");
      }
    }
    for (int i : layers) {
      DecoderBlock b = block(i);
      String p = DecoderBlock.mlpPrefix(i);
      Router router = routers.create(p + ".gate", moeConfig.dModel(), moeConfig.numExperts(), type, rng);
      b.setFfn(Upcycling.fromDense(b.denseFfn(), moeConfig, router, p));
    }
  }

  /**
   * Replaces layer {@code layer}'s MoE by a dense FFN that is a copy of expert {@code expert}
   * (named {@code model.layers.i.mlp.*}); the router and the other experts are dropped.
   */
  public void densify(int layer, int expert) {
    MoeLayer m = block(layer).moe();
    if (expert < 0 || expert >= m.experts().size()) {
      throw new IllegalArgumentException(
          "expert " + expert + " is outside [0, " + m.experts().size() + ") in layer " + layer);
    }
    block(layer).setFfn(m.experts().get(expert).copy(DecoderBlock.mlpPrefix(layer)));
  }

  /** An empty key/value cache for {@link #forward(DecoderInput, KvCache)}. */
  public KvCache newCache() {
    return new KvCache(config.numLayers());
  }

  /**
   * Training forward. The MoE layers route only the input's real positions ({@link
   * DecoderInput#tokenMask()}): padding enters no routing statistic or auxiliary loss.
   *
   * @return logits [B*S, V]
   */
  public INDArray forward(DecoderInput in) {
    INDArray x = embed(in);
    Modality[] tags = in.modalities();
    TokenMask mask = in.tokenMask();
    for (DecoderBlock b : blocks) {
      x = b.forward(x, in.batch(), in.seqLen(), tags, mask);
    }
    INDArray logits = lmHead.forward(norm.forward(x));
    this.input = in;
    return logits;
  }

  /**
   * Incremental (inference) forward: the chunk's positions follow the {@code cache.length()}
   * positions already cached, whose keys and values they attend to; the cache is extended by the
   * chunk. Image positions are only allowed in the first chunk (they precede the text). No backward
   * follows.
   *
   * @param chunk B sequences of S new positions (B equal to the cached batch)
   * @return logits of the new positions [B*S, V]
   */
  public INDArray forward(DecoderInput chunk, KvCache cache) {
    if (cache.numLayers() != blocks.size()) {
      throw new IllegalArgumentException(
          "cache has " + cache.numLayers() + " layers, the model " + blocks.size());
    }
    if (cache.length() > 0 && chunk.totalImageRows() > 0) {
      throw new IllegalArgumentException(
          "image positions must precede the text: the cache already holds " + cache.length()
              + " positions");
    }
    cache.requireBatch(chunk.batch());
    if (!chunk.tokenMask().allReal()) {
      throw new IllegalArgumentException(
          "a cached forward takes no padding: every position of the chunk must be real");
    }
    INDArray x = embed(chunk);
    Modality[] tags = chunk.modalities();
    for (DecoderBlock b : blocks) {
      x = b.forwardCached(x, chunk.batch(), chunk.seqLen(), tags, cache);
    }
    cache.advance(chunk.batch(), cache.length() + chunk.seqLen());
    this.input = null;
    // Decoding: the final norm's output goes to an array kept for the FrozenWeights scope.
    boolean keep = ScopedArrays.keeps(x.size(0), x.dataType());
    return lmHead.forward(keep
        ? norm.forward(x, scoped.get(0, x.dataType(), x.size(0), x.size(1)))
        : norm.forward(x));
  }

  /**
   * Backward of the last training forward.
   *
   * @param dLogits [B*S, V]
   * @return the gradient of the supplied image rows {@code [sum(imageCounts), d]} ([0, d] when
   *     there were none); accumulates every trainable parameter's gradient, including the
   *     embedding rows of the text positions (scatter-add)
   */
  public INDArray backward(INDArray dLogits) {
    Shapes.requireForward("DecoderModel (a cached forward has no backward)", input);
    Shapes.requireShape("logit gradient", dLogits, input.rows(), config.vocabSize());
    INDArray dx = norm.backward(lmHead.backward(dLogits));
    for (int i = blocks.size() - 1; i >= 0; i--) {
      dx = blocks.get(i).backward(dx);
    }
    return splitInputGradient(dx);
  }

  /** Sum of the MoE layers' weighted auxiliary losses of the last forward. */
  public double auxLoss() {
    double s = 0;
    for (DecoderBlock b : blocks) {
      s += b.weightedAuxLoss();
    }
    return s;
  }

  /** Input rows [B*S, d]: embedding rows at text positions, the given rows at image positions. */
  INDArray embed(DecoderInput in) {
    int d = config.dModel();
    int v = config.vocabSize();
    int rows = in.rows();
    INDArray img = in.imageRows();
    if (img != null && in.totalImageRows() > 0) {
      Shapes.requireMatrix("image rows", img, d);
      if (img.dataType() != type) {
        throw new IllegalArgumentException(
            "image rows are " + img.dataType() + ", the model is " + type);
      }
      img = img.isView() || img.ordering() != 'c' ? img.dup('c') : img;
    }
    for (int r = 0; r < rows; r++) {
      if (!in.isImage(r) && (in.token(r) < 0 || in.token(r) >= v)) {
        throw new IllegalArgumentException(
            "token " + in.token(r) + " at row " + r + " (sequence " + r / in.seqLen() + ", position "
                + r % in.seqLen() + ") is outside the vocabulary [0, " + v + ")");
      }
    }
    INDArray x = Nd4j.createUninitialized(type, rows, d);
    Buffers bx = Buffers.of(x);
    Buffers be = Buffers.of(embedTokens.value());
    Buffers bi = img != null && in.totalImageRows() > 0 ? Buffers.of(img) : null;
    double[] row = new double[d];
    int imageRow = 0;
    for (int r = 0; r < rows; r++) {
      if (in.isImage(r)) {
        bi.read((long) imageRow++ * d, row, 0, d);
      } else {
        be.read((long) in.token(r) * d, row, 0, d);
      }
      bx.write((long) r * d, row, 0, d);
    }
    return x;
  }

  /**
   * An empty [0, d] array: ND4J refuses zero-length buffers, and inside a workspace even empty
   * shapes, so it is made outside any workspace (it holds no data).
   */
  private static INDArray emptyRows(DataType type, int d) {
    try (org.nd4j.linalg.api.memory.MemoryWorkspace ignored =
        Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      return Nd4j.create(type, 0, d);
    }
  }

  /** Scatter-adds text rows of dx into the embedding gradient; returns the image rows of dx. */
  private INDArray splitInputGradient(INDArray dx) {
    int d = config.dModel();
    int rows = input.rows();
    int images = input.totalImageRows();
    INDArray dImage = images > 0 ? Nd4j.zeros(type, images, d) : emptyRows(type, d);
    Buffers bdx = Buffers.of(dx);
    Buffers bImg = images > 0 ? Buffers.of(dImage) : null;
    Buffers bEmb = embedTokens.trainable() ? Buffers.of(embedTokens.grad()) : null;
    double[] row = new double[d];
    double[] acc = new double[d];
    int imageRow = 0;
    for (int r = 0; r < rows; r++) {
      bdx.read((long) r * d, row, 0, d);
      if (input.isImage(r)) {
        bImg.write((long) imageRow++ * d, row, 0, d);
      } else if (bEmb != null) {
        long at = (long) input.token(r) * d;
        bEmb.read(at, acc, 0, d);
        for (int i = 0; i < d; i++) {
          acc[i] += row[i];
        }
        bEmb.write(at, acc, 0, d);
      }
    }
    return dImage;
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>();
    ps.add(embedTokens);
    for (DecoderBlock b : blocks) {
      ps.addAll(b.parameters());
    }
    ps.addAll(norm.parameters());
    ps.addAll(lmHead.parameters());
    return Collections.unmodifiableList(ps);
  }
}
