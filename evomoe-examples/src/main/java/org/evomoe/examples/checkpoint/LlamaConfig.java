package org.evomoe.examples.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import org.evomoe.checkpoint.CheckpointFormatException;
import org.evomoe.checkpoint.CheckpointFormatException.Reason;
import org.evomoe.examples.model.ModelConfig;
import org.evomoe.examples.model.MoeSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fields of a Hugging Face {@code LlamaConfig} (config.json) that the decoder needs, with
 * the Hugging Face defaults for the optional ones.
 *
 * @param vocabSize {@code vocab_size}
 * @param hiddenSize {@code hidden_size} d
 * @param intermediateSize {@code intermediate_size}, the SwiGLU hidden width
 * @param numLayers {@code num_hidden_layers}
 * @param numHeads {@code num_attention_heads}
 * @param numKvHeads {@code num_key_value_heads} (absent or null: {@code num_attention_heads})
 * @param ropeTheta {@code rope_theta} (absent: 10000; also read from {@code
 *     rope_parameters.rope_theta} of newer files)
 * @param rmsNormEps {@code rms_norm_eps} (absent: 1e-6)
 * @param tieWordEmbeddings {@code tie_word_embeddings} (absent: false): lm_head is the embedding
 */
public record LlamaConfig(
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    double ropeTheta,
    double rmsNormEps,
    boolean tieWordEmbeddings) {
  private static final Logger LOG = LoggerFactory.getLogger(LlamaConfig.class);

  /** Hugging Face's default {@code rope_theta}. */
  public static final double DEFAULT_ROPE_THETA = 10000.0;
  /** Hugging Face {@code LlamaConfig}'s default {@code rms_norm_eps}. */
  public static final double DEFAULT_RMS_NORM_EPS = 1e-6;

  public LlamaConfig {
    positive("vocab_size", vocabSize);
    positive("hidden_size", hiddenSize);
    positive("intermediate_size", intermediateSize);
    positive("num_hidden_layers", numLayers);
    positive("num_attention_heads", numHeads);
    positive("num_key_value_heads", numKvHeads);
    if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
      throw new IllegalArgumentException("rope_theta must be finite and > 0, got " + ropeTheta);
    }
    if (!(rmsNormEps > 0) || Double.isInfinite(rmsNormEps)) {
      throw new IllegalArgumentException("rms_norm_eps must be finite and > 0, got " + rmsNormEps);
    }
  }

  /**
   * Reads a Hugging Face config.json. Fields this import does not use are ignored; the
   * architecture must be the one the decoder implements: {@code hidden_act} "silu", no {@code
   * attention_bias} or {@code mlp_bias}, no {@code rope_scaling} other than "default", {@code
   * head_dim} (if given) equal to hidden_size / num_attention_heads.
   *
   * @throws CheckpointFormatException naming the file and field for a missing field, a wrong type,
   *     an invalid value or an unsupported architecture option
   */
  public static LlamaConfig read(Path file) throws IOException {
    JsonFields f = JsonFields.root(file, JsonFiles.readObject(file));
    String type = f.optionalString("model_type", null);
    if (type != null && !type.equals("llama")) {
      LOG.warn("{}: model_type is \"{}\", not \"llama\"; importing it as a LLaMA decoder", file,
          type);
    }
    int vocab = f.requiredInt("vocab_size");
    int hidden = f.requiredInt("hidden_size");
    int ffn = f.requiredInt("intermediate_size");
    int layers = f.requiredInt("num_hidden_layers");
    int heads = f.requiredInt("num_attention_heads");
    int kvHeads = f.optionalInt("num_key_value_heads", heads);
    double eps = f.optionalDouble("rms_norm_eps", DEFAULT_RMS_NORM_EPS);
    boolean tied = f.optionalBoolean("tie_word_embeddings", false);
    String act = f.optionalString("hidden_act", "silu");
    if (!act.equals("silu")) {
      throw f.fieldError("hidden_act", "is \"" + act + "\"; the decoder's FFN is SwiGLU (\"silu\")");
    }
    for (String bias : new String[] {"attention_bias", "mlp_bias"}) {
      if (f.optionalBoolean(bias, false)) {
        throw f.fieldError(bias, "is true; the decoder's projections have no biases");
      }
    }
    double theta = f.optionalDouble("rope_theta", DEFAULT_ROPE_THETA);
    JsonFields scaling = f.optionalObject("rope_scaling");
    if (scaling != null) {
      requireDefaultRope(scaling, "rope_scaling");
    }
    JsonFields rope = f.optionalObject("rope_parameters");
    if (rope != null) {
      requireDefaultRope(rope, "rope_parameters");
      theta = rope.optionalDouble("rope_theta", theta);
    }
    if (f.has("head_dim") && heads > 0 && f.requiredInt("head_dim") * heads != hidden) {
      throw f.fieldError("head_dim", "is " + f.requiredInt("head_dim")
          + "; the decoder needs head_dim = hidden_size / num_attention_heads = " + hidden + " / "
          + heads);
    }
    try {
      return new LlamaConfig(vocab, hidden, ffn, layers, heads, kvHeads, theta, eps, tied);
    } catch (IllegalArgumentException e) {
      throw f.error("invalid LLaMA configuration: " + e.getMessage());
    }
  }

  /**
   * The decoder configuration of this LLaMA model, with the MoE plan for a later {@code
   * DecoderModel.upcycle}.
   *
   * @throws IllegalArgumentException when the decoder cannot represent it (odd head width, heads
   *     not divisible by key/value heads, a MoE layer index out of range)
   */
  public ModelConfig toModelConfig(Set<Integer> moeLayers, MoeSettings moe) {
    return new ModelConfig(vocabSize, hiddenSize, numLayers, numHeads, numKvHeads,
        intermediateSize, ropeTheta, rmsNormEps, moeLayers, moe);
  }

  private static void requireDefaultRope(JsonFields r, String field)
      throws CheckpointFormatException {
    String kind = r.optionalString("rope_type", r.optionalString("type", "default"));
    if (!kind.equals("default")) {
      throw new CheckpointFormatException(Reason.MALFORMED_HEADER, r.file(), null, 0,
          "field " + field + " asks for rope type \"" + kind + "\"; only plain RoPE (\"default\")"
              + " is supported");
    }
  }

  private static void positive(String field, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(field + " must be positive, got " + v);
    }
  }
}
