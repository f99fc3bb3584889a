package org.evomoe.examples.checkpoint;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.evomoe.examples.model.DecoderBlock;
import org.evomoe.examples.model.ModelConfig;
import org.evomoe.examples.model.MultiModalProjector;
import org.evomoe.examples.model.VisionConfig;
import org.evomoe.examples.model.VisionEncoder;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.Modality;

/**
 * The tensors of a model described by a {@link ModelSpec}, computed from the specification alone
 * (nothing is allocated): every parameter's name and shape, as docs/checkpoint-format.md ("Tensor
 * names") lists them. Loading compares a file with this set before it builds the model, so a
 * config.json that does not fit model.safetensors fails without allocating the model it
 * describes.
 */
public final class ModelLayout {
  private ModelLayout() {}

  /**
   * Every tensor of the model, in the order of {@code VisionLanguageModel.parameters()} (vision
   * encoder, projector, decoder). Linear weights are {@code [out, in]}.
   *
   * @return name to shape, unmodifiable
   */
  public static Map<String, long[]> shapes(ModelSpec spec) {
    return shapes(spec, Integer.MAX_VALUE);
  }

  /**
   * {@link #shapes(ModelSpec)}, but stops with {@link TooManyTensorsException} as soon as the
   * specification has more than {@code maxTensors} tensors, so that the work is bounded by the
   * file it is compared with, not by the sizes a config.json claims.
   */
  public static Map<String, long[]> shapes(ModelSpec spec, int maxTensors) {
    Map<String, long[]> out = new LinkedHashMap<>() {
      @Override
      public long[] put(String key, long[] value) {
        if (size() >= maxTensors && !containsKey(key)) {
          throw new TooManyTensorsException(maxTensors);
        }
        return super.put(key, value);
      }
    };
    vision(spec.vision(), out);
    long dv = spec.vision().dVision();
    long d = spec.decoder().dModel();
    String proj = MultiModalProjector.PREFIX;
    out.put(proj + ".linear_1.weight", new long[] {d, dv});
    out.put(proj + ".linear_1.bias", new long[] {d});
    out.put(proj + ".linear_2.weight", new long[] {d, d});
    out.put(proj + ".linear_2.bias", new long[] {d});
    decoder(spec.decoder(), spec.moeMode() != MoeMode.DENSE, spec, out);
    return Collections.unmodifiableMap(out);
  }

  /**
   * The tensors of a decoder whose FFNs are all dense ({@code DecoderModel.createDense}), in the
   * order of {@code DecoderModel.parameters()}: what a LLaMA checkpoint holds.
   *
   * @return name to shape, unmodifiable
   */
  public static Map<String, long[]> denseDecoderShapes(ModelConfig config) {
    Map<String, long[]> out = new LinkedHashMap<>();
    decoder(config, false, null, out);
    return Collections.unmodifiableMap(out);
  }

  private static void vision(VisionConfig c, Map<String, long[]> out) {
    String p = VisionEncoder.PREFIX;
    long dv = c.dVision();
    long m = c.mlpHidden();
    out.put(p + ".embeddings.patch_embedding.weight", new long[] {dv, c.patchPixels()});
    out.put(p + ".embeddings.position_embedding.weight", new long[] {c.numPatches(), dv});
    for (int i = 0; i < c.numLayers(); i++) {
      String l = p + ".encoder.layers." + i;
      out.put(l + ".layer_norm1.weight", new long[] {dv});
      for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
        out.put(l + ".self_attn." + proj + ".weight", new long[] {dv, dv});
        out.put(l + ".self_attn." + proj + ".bias", new long[] {dv});
      }
      out.put(l + ".layer_norm2.weight", new long[] {dv});
      out.put(l + ".mlp.fc1.weight", new long[] {m, dv});
      out.put(l + ".mlp.fc1.bias", new long[] {m});
      out.put(l + ".mlp.fc2.weight", new long[] {dv, m});
      out.put(l + ".mlp.fc2.bias", new long[] {dv});
    }
  }

  /** @param spec supplies the router layout when {@code withMoe} */
  private static void decoder(
      ModelConfig c, boolean withMoe, ModelSpec spec, Map<String, long[]> out) {
    long v = c.vocabSize();
    long d = c.dModel();
    long dh = c.headDim();
    long f = c.ffnHidden();
    out.put("model.embed_tokens.weight", new long[] {v, d});
    for (int i = 0; i < c.numLayers(); i++) {
      String l = DecoderBlock.prefix(i);
      out.put(l + ".input_layernorm.weight", new long[] {d});
      out.put(l + ".self_attn.q_proj.weight", new long[] {c.numHeads() * dh, d});
      out.put(l + ".self_attn.k_proj.weight", new long[] {c.numKvHeads() * dh, d});
      out.put(l + ".self_attn.v_proj.weight", new long[] {c.numKvHeads() * dh, d});
      out.put(l + ".self_attn.o_proj.weight", new long[] {d, c.numHeads() * dh});
      out.put(l + ".post_attention_layernorm.weight", new long[] {d});
      String mlp = DecoderBlock.mlpPrefix(i);
      if (withMoe && c.isMoeLayer(i)) {
        router(spec, mlp + ".gate", out);
        for (int e = 0; e < c.moe().numExperts(); e++) {
          swiGlu(mlp + ".experts." + e, d, f, out);
        }
      } else {
        swiGlu(mlp, d, f, out);
      }
    }
    out.put("model.norm.weight", new long[] {d});
    out.put("lm_head.weight", new long[] {v, d});
  }

  /** The specification describes more tensors than the bound given to {@link #shapes(ModelSpec, int)}. */
  public static final class TooManyTensorsException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int limit;

    TooManyTensorsException(int limit) {
      super("the specification describes more than " + limit + " tensors");
      this.limit = limit;
    }

    /** The bound that was exceeded. */
    public int limit() {
      return limit;
    }
  }

  private static void swiGlu(String prefix, long d, long f, Map<String, long[]> out) {
    out.put(prefix + ".gate_proj.weight", new long[] {f, d});
    out.put(prefix + ".up_proj.weight", new long[] {f, d});
    out.put(prefix + ".down_proj.weight", new long[] {d, f});
  }

  private static void router(ModelSpec spec, String prefix, Map<String, long[]> out) {
    long d = spec.decoder().dModel();
    long e = spec.decoder().moe().numExperts();
    switch (spec.decoder().moe().routing().routerKind()) {
      case LINEAR -> out.put(prefix + ".weight", new long[] {e, d});
      case MODALITY_LINEAR -> {
        for (Modality m : spec.decoder().moe().modalities().all()) {
          out.put(prefix + "." + m.name() + ".weight", new long[] {e, d});
        }
      }
      case DTR -> {
        DtrConfig c = spec.dtr();
        long h = c.hyperHidden();
        long theta = c.thetaSize((int) d);
        for (Modality m : spec.decoder().moe().modalities().all()) {
          String hp = prefix + ".hyper." + m.name();
          out.put(hp + ".fc1.weight", new long[] {h, d});
          out.put(hp + ".fc1.bias", new long[] {h});
          out.put(hp + ".fc2.weight", new long[] {theta, h});
          out.put(hp + ".fc2.bias", new long[] {theta});
        }
        out.put(prefix + ".phi.weight", new long[] {e, c.embedDim()});
        if (c.phiBias()) {
          out.put(prefix + ".phi.bias", new long[] {e});
        }
      }
      default -> throw new IllegalStateException("no layout for router " + spec.decoder().moe().routing().routerKind());
    }
  }
}
