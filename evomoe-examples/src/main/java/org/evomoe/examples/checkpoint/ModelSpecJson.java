package org.evomoe.examples.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.evomoe.checkpoint.CheckpointFormatException;
import org.evomoe.examples.model.ModelConfig;
import org.evomoe.examples.model.MoeSettings;
import org.evomoe.examples.model.VisionConfig;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.HyperActivation;
import org.evomoe.router.Modalities;
import org.evomoe.router.RouterKind;
import org.evomoe.router.ThetaContraction;

/**
 * {@link ModelSpec} to and from config.json, in explicit field names (Hugging Face spellings
 * where an equivalent exists). docs/checkpoint-format.md lists every field.
 *
 * <p>Reading is strict: every field has one JSON type (integers must be written as integers),
 * unknown fields are refused (a misspelt field would otherwise be silently replaced by a
 * default), fields fixed by the architecture ({@code hidden_act}, {@code head_dim}, ...) may be
 * omitted but must hold their one valid value when present, and the values must pass the
 * records' validation. Every problem is a {@link CheckpointFormatException} naming the file and
 * the field.
 */
public final class ModelSpecJson {
  /** The {@code model_type} field. */
  public static final String MODEL_TYPE = "evomoe";
  /** The {@code architectures} field's single entry. */
  public static final String ARCHITECTURE = "EvoMoeVisionLanguageModel";
  /** The {@code format_version} field. */
  public static final int FORMAT_VERSION = 2;

  private static final String DECODER_ACT = "silu";
  private static final String GELU_TANH = "gelu_pytorch_tanh";
  private static final String DTYPE = "float32";

  /**
   * Absolute limits of config.json sizes, checked before anything is sized from them (far above
   * any model this project runs; a larger value is a damaged or hostile file). The sizes are then
   * checked against the tensors of model.safetensors before the model is built.
   */
  public static final int MAX_VOCAB = 1 << 22;
  /** Largest hidden_size (decoder, vision) and DTR rank and embed_dim. */
  public static final int MAX_WIDTH = 1 << 16;
  /** Largest intermediate_size and DTR hyper_hidden. */
  public static final int MAX_HIDDEN = 1 << 18;
  /** Most layers (decoder, vision). */
  public static final int MAX_LAYERS = 1024;
  /** Most attention heads. */
  public static final int MAX_HEADS = 1024;
  /** Most experts per MoE layer (and top-k). */
  public static final int MAX_EXPERTS = 1024;
  /** Largest image side in pixels. */
  public static final int MAX_IMAGE_SIDE = 1 << 14;

  private ModelSpecJson() {}

  private static void atMost(JsonFields f, String name, int value, int max)
      throws CheckpointFormatException {
    if (value > max) {
      throw f.fieldError(name, "is " + value + ", more than the limit of " + max);
    }
  }

  /** The config.json tree of a specification. */
  public static ObjectNode toJson(ModelSpec spec) {
    ModelConfig c = spec.decoder();
    MoeSettings moe = c.moe();
    ObjectNode root = JsonFiles.MAPPER.createObjectNode();
    root.putArray("architectures").add(ARCHITECTURE);
    root.put("model_type", MODEL_TYPE);
    root.put("format_version", FORMAT_VERSION);
    root.put("torch_dtype", DTYPE);
    root.put("vocab_size", c.vocabSize());
    root.put("hidden_size", c.dModel());
    root.put("intermediate_size", c.ffnHidden());
    root.put("num_hidden_layers", c.numLayers());
    root.put("num_attention_heads", c.numHeads());
    root.put("num_key_value_heads", c.numKvHeads());
    root.put("head_dim", c.headDim());
    root.put("hidden_act", DECODER_ACT);
    root.put("rms_norm_eps", c.normEps());
    root.put("rope_theta", c.ropeTheta());
    root.put("tie_word_embeddings", false);
    ArrayNode layers = root.putArray("moe_layers");
    c.moeLayers().forEach(layers::add);
    root.put("moe_mode", spec.moeMode().jsonName());
    root.put("num_local_experts", moe.numExperts());
    RoutingConfig routing = moe.routing();
    root.put("num_experts_per_tok", routing.topK());
    root.put("norm_topk_prob", routing.renormalize());
    root.put("router_aux_loss_coef", routing.auxLossWeight());
    root.put("router_z_loss_coef", routing.zLossWeight());
    root.put("router_kind", lower(routing.routerKind()));
    ArrayNode modalities = root.putArray("modalities");
    moe.modalities().names().forEach(modalities::add);
    if (moe.dtr() != null) {
      DtrConfig d = moe.dtr();
      ObjectNode n = root.putObject("dtr_config");
      n.put("rank", d.rank());
      n.put("embed_dim", d.embedDim());
      n.put("hyper_hidden", d.hyperHidden());
      n.put("hyper_activation", lower(d.activation()));
      n.put("phi_bias", d.phiBias());
      n.put("contraction", lower(d.contraction()));
    }
    VisionConfig v = spec.vision();
    ObjectNode vn = root.putObject("vision_config");
    vn.put("image_height", v.imageHeight());
    vn.put("image_width", v.imageWidth());
    vn.put("num_channels", 1);
    vn.put("patch_size", v.patchSize());
    vn.put("hidden_size", v.dVision());
    vn.put("intermediate_size", v.mlpHidden());
    vn.put("num_hidden_layers", v.numLayers());
    vn.put("num_attention_heads", v.numHeads());
    vn.put("rms_norm_eps", v.normEps());
    vn.put("hidden_act", GELU_TANH);
    root.put("projector_hidden_act", GELU_TANH);
    root.put("image_seq_length", v.numPatches());
    return root;
  }

  /** Reads and validates {@code file} (a config.json). */
  public static ModelSpec read(Path file) throws IOException {
    return fromJson(JsonFiles.readObject(file), file);
  }

  /**
   * The specification a config.json tree describes.
   *
   * @param file named in error messages
   * @throws CheckpointFormatException naming the file and field for a missing field, a field of
   *     the wrong type, an unknown field, or a value the configuration records refuse
   */
  public static ModelSpec fromJson(JsonNode root, Path file) throws CheckpointFormatException {
    java.util.Objects.requireNonNull(file, "file");
    if (root == null || !root.isObject()) {
      throw JsonFields.root(file, JsonFiles.MAPPER.createObjectNode())
          .error("expected a JSON object, found " + JsonFields.describe(root));
    }
    JsonFields f = JsonFields.root(file, root);
    String type = f.requiredString("model_type");
    if (!MODEL_TYPE.equals(type)) {
      throw f.fieldError("model_type", "must be \"" + MODEL_TYPE + "\", found \"" + type + "\"");
    }
    int version = f.requiredInt("format_version");
    if (version != FORMAT_VERSION) {
      throw f.fieldError("format_version",
          "is " + version + "; this version reads format " + FORMAT_VERSION
              + (version < FORMAT_VERSION ? " only (older model folders are not read: save the"
                  + " model again, e.g. rerun the training)" : ""));
    }
    if (f.has("architectures")) {
      List<String> arch = f.requiredStringArray("architectures");
      if (!arch.equals(List.of(ARCHITECTURE))) {
        throw f.fieldError("architectures", "must be [\"" + ARCHITECTURE + "\"], found " + arch);
      }
    }
    fixedString(f, "torch_dtype", DTYPE);
    fixedString(f, "hidden_act", DECODER_ACT);
    fixedString(f, "projector_hidden_act", GELU_TANH);
    if (f.optionalBoolean("tie_word_embeddings", false)) {
      throw f.fieldError("tie_word_embeddings", "must be false (lm_head is a tensor of its own)");
    }
    int vocab = f.requiredInt("vocab_size");
    int hidden = f.requiredInt("hidden_size");
    int ffn = f.requiredInt("intermediate_size");
    int layers = f.requiredInt("num_hidden_layers");
    int heads = f.requiredInt("num_attention_heads");
    int kvHeads = f.requiredInt("num_key_value_heads");
    double eps = f.requiredDouble("rms_norm_eps");
    double theta = f.requiredDouble("rope_theta");
    int[] moeLayerArray = f.requiredIntArray("moe_layers");
    Set<Integer> moeLayers = new TreeSet<>();
    for (int i : moeLayerArray) {
      if (!moeLayers.add(i)) {
        throw f.fieldError("moe_layers", "lists layer " + i + " twice");
      }
    }
    MoeMode mode = enumValue(f, "moe_mode", MoeMode.class);
    int experts = f.requiredInt("num_local_experts");
    int topK = f.requiredInt("num_experts_per_tok");
    atMost(f, "vocab_size", vocab, MAX_VOCAB);
    atMost(f, "hidden_size", hidden, MAX_WIDTH);
    atMost(f, "intermediate_size", ffn, MAX_HIDDEN);
    atMost(f, "num_hidden_layers", layers, MAX_LAYERS);
    atMost(f, "num_attention_heads", heads, MAX_HEADS);
    atMost(f, "num_key_value_heads", kvHeads, MAX_HEADS);
    atMost(f, "num_local_experts", experts, MAX_EXPERTS);
    atMost(f, "num_experts_per_tok", topK, MAX_EXPERTS);
    boolean renormalize = f.optionalBoolean("norm_topk_prob", false);
    double aux = f.requiredDouble("router_aux_loss_coef");
    double z = f.optionalDouble("router_z_loss_coef", 0.0);
    RouterKind kind = enumValue(f, "router_kind", RouterKind.class);
    JsonFields dtrFields = f.optionalObject("dtr_config");
    if (dtrFields != null && kind != RouterKind.DTR) {
      throw f.fieldError("dtr_config", "is only allowed with router_kind \"dtr\", not \""
          + lower(kind) + "\"");
    }
    Modalities modalities = Modalities.IMAGE_TEXT; // absent (files written before it): image, text
    if (f.has("modalities")) {
      try {
        modalities = new Modalities(f.requiredStringArray("modalities"));
      } catch (IllegalArgumentException e) {
        throw f.fieldError("modalities", e.getMessage());
      }
    }
    JsonFields vf = f.requiredObject("vision_config");
    VisionConfig vision = vision(vf);
    int seqLength = f.optionalInt("image_seq_length", Integer.MIN_VALUE);
    int headDim = f.optionalInt("head_dim", Integer.MIN_VALUE);
    f.rejectUnknownFields();

    ModelConfig decoder;
    MoeSettings settings;
    DtrConfig dtr = kind == RouterKind.DTR ? dtr(dtrFields) : null;
    try {
      settings = new MoeSettings(experts, new RoutingConfig(topK, renormalize, aux, z, kind),
          modalities, dtr);
    } catch (IllegalArgumentException e) {
      throw f.error("invalid MoE settings: " + e.getMessage());
    }
    try {
      decoder = new ModelConfig(vocab, hidden, layers, heads, kvHeads, ffn, theta, eps, moeLayers,
          settings);
    } catch (IllegalArgumentException e) {
      throw f.error("invalid decoder configuration: " + e.getMessage());
    }
    if (headDim != Integer.MIN_VALUE && headDim != decoder.headDim()) {
      throw f.fieldError("head_dim", "is " + headDim
          + ", but hidden_size / num_attention_heads = " + decoder.headDim());
    }
    if (seqLength != Integer.MIN_VALUE && seqLength != vision.numPatches()) {
      throw f.fieldError("image_seq_length", "is " + seqLength + ", but the vision_config gives "
          + vision.numPatches() + " patches per image");
    }
    try {
      return new ModelSpec(decoder, vision, mode);
    } catch (IllegalArgumentException e) {
      throw f.error("invalid model specification: " + e.getMessage());
    }
  }

  /**
   * The config.json fields whose values differ between two specifications, e.g. {@code
   * num_experts_per_tok: 2 vs 1} (empty when they are equal).
   */
  public static List<String> differences(ModelSpec a, ModelSpec b) {
    List<String> out = new ArrayList<>();
    diff("", toJson(a), toJson(b), out);
    return out;
  }

  private static void diff(String path, JsonNode a, JsonNode b, List<String> out) {
    if (a.isObject() && b.isObject()) {
      Set<String> names = new TreeSet<>();
      a.fieldNames().forEachRemaining(names::add);
      b.fieldNames().forEachRemaining(names::add);
      for (String n : names) {
        JsonNode x = a.get(n);
        JsonNode y = b.get(n);
        if (x == null || y == null) {
          out.add(path + n + ": " + (x == null ? "absent" : x) + " vs " + (y == null ? "absent" : y));
        } else {
          diff(path + n + ".", x, y, out);
        }
      }
    } else if (!a.equals(b)) {
      out.add(path.substring(0, path.length() - 1) + ": " + a + " vs " + b);
    }
  }

  private static VisionConfig vision(JsonFields vf) throws CheckpointFormatException {
    int height = vf.requiredInt("image_height");
    int width = vf.requiredInt("image_width");
    int channels = vf.optionalInt("num_channels", 1);
    if (channels != 1) {
      throw vf.fieldError("num_channels", "must be 1 (grayscale canvases), found " + channels);
    }
    int patch = vf.requiredInt("patch_size");
    int dv = vf.requiredInt("hidden_size");
    int mlp = vf.requiredInt("intermediate_size");
    int layers = vf.requiredInt("num_hidden_layers");
    int heads = vf.requiredInt("num_attention_heads");
    atMost(vf, "image_height", height, MAX_IMAGE_SIDE);
    atMost(vf, "image_width", width, MAX_IMAGE_SIDE);
    atMost(vf, "patch_size", patch, MAX_IMAGE_SIDE);
    atMost(vf, "hidden_size", dv, MAX_WIDTH);
    atMost(vf, "intermediate_size", mlp, MAX_HIDDEN);
    atMost(vf, "num_hidden_layers", layers, MAX_LAYERS);
    atMost(vf, "num_attention_heads", heads, MAX_HEADS);
    double eps = vf.requiredDouble("rms_norm_eps");
    fixedString(vf, "hidden_act", GELU_TANH);
    vf.rejectUnknownFields();
    try {
      return new VisionConfig(height, width, patch, dv, layers, heads, mlp, eps);
    } catch (IllegalArgumentException e) {
      throw vf.error("invalid vision_config: " + e.getMessage());
    }
  }

  /** The DTR's options of {@code dtr_config}, the defaults when absent. */
  private static DtrConfig dtr(JsonFields df) throws CheckpointFormatException {
    if (df == null) {
      return DtrConfig.defaults();
    }
    int rank = df.optionalInt("rank", DtrConfig.DEFAULT_RANK);
    int embed = df.optionalInt("embed_dim", DtrConfig.DEFAULT_EMBED_DIM);
    int hyper = df.optionalInt("hyper_hidden", DtrConfig.DEFAULT_HYPER_HIDDEN);
    atMost(df, "rank", rank, MAX_WIDTH);
    atMost(df, "embed_dim", embed, MAX_WIDTH);
    atMost(df, "hyper_hidden", hyper, MAX_HIDDEN);
    HyperActivation act = df.has("hyper_activation")
        ? enumValue(df, "hyper_activation", HyperActivation.class)
        : HyperActivation.NONE;
    boolean phiBias = df.optionalBoolean("phi_bias", false);
    ThetaContraction contraction = df.has("contraction")
        ? enumValue(df, "contraction", ThetaContraction.class)
        : ThetaContraction.CONTRACTED;
    df.rejectUnknownFields();
    try {
      return new DtrConfig(rank, embed, hyper, act, phiBias, contraction);
    } catch (IllegalArgumentException e) {
      throw df.error("invalid dtr_config: " + e.getMessage());
    }
  }

  /** A string field that may be absent but, when present, must equal {@code value}. */
  private static void fixedString(JsonFields f, String name, String value)
      throws CheckpointFormatException {
    String v = f.optionalString(name, value);
    if (!value.equals(v)) {
      throw f.fieldError(name, "must be \"" + value + "\" (the only value this model supports),"
          + " found \"" + v + "\"");
    }
  }

  /** A required string naming an enum constant in lower case. */
  private static <E extends Enum<E>> E enumValue(JsonFields f, String name, Class<E> type)
      throws CheckpointFormatException {
    String v = f.requiredString(name);
    List<String> allowed = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      if (lower(e).equals(v)) {
        return e;
      }
      allowed.add("\"" + lower(e) + "\"");
    }
    throw f.fieldError(name, "is \"" + v + "\", not one of " + allowed);
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }
}
