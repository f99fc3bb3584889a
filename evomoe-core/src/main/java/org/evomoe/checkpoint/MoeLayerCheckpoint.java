package org.evomoe.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.MoeLayerSpec;
import org.evomoe.router.Modalities;

/**
 * One MoE layer saved with its configuration: a folder holding {@code config.json} (the layer's
 * {@link MoeLayerSpec}; a file without the {@code modalities} list, written by an earlier
 * version, means {@link Modalities#IMAGE_TEXT}) and {@code model.safetensors} (its parameters by their names, float32).
 * Loading rebuilds the layer from the configuration and fills it from the weights, so a layer is
 * reloaded without restating its settings. Float layers round-trip bit-exactly; double layers are
 * stored as float32.
 *
 * <pre>{@code
 * MoeLayerCheckpoint.save(dir, spec, layer);
 * MoeLayerCheckpoint.Loaded back = MoeLayerCheckpoint.load(dir);     // spec and layer
 * MoeLayer same = MoeLayerCheckpoint.load(dir, spec);                // refuses another config
 * }</pre>
 */
public final class MoeLayerCheckpoint {
  /** Name of the configuration file in the folder. */
  public static final String CONFIG = "config.json";
  /** Name of the weights file in the folder. */
  public static final String WEIGHTS = "model.safetensors";
  /** The {@code formatVersion} of config.json this version writes and reads. */
  public static final int FORMAT_VERSION = 1;

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS);

  private MoeLayerCheckpoint() {}

  /** A reloaded layer and the specification it was built from. */
  public record Loaded(MoeLayerSpec spec, MoeLayer layer) {}

  /**
   * Saves {@code layer} under {@code spec} into {@code dir} (created when missing), each file
   * written atomically.
   *
   * @throws IllegalArgumentException if the layer does not have the spec's configuration, router
   *     kind, data type or parameter names (checked before anything is written)
   */
  public static void save(Path dir, MoeLayerSpec spec, MoeLayer layer) throws IOException {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(layer, "layer");
    spec.requireMatches(layer);
    byte[] config = JSON.writeValueAsBytes(new MoeLayerConfigFile(FORMAT_VERSION, spec));
    Files.createDirectories(dir);
    AtomicFiles.writeBytes(dir.resolve(CONFIG), config); // config first, weights last, as models
    ModelWeights.save(dir.resolve(WEIGHTS), layer.parameters(), Map.of("format", "evomoe-moe-layer"));
  }

  /** Reads the specification of the layer saved in {@code dir}, without loading weights. */
  public static MoeLayerSpec readSpec(Path dir) throws IOException {
    Path file = dir.resolve(CONFIG);
    if (!Files.isRegularFile(file)) {
      throw new MoeLayerConfigException(file, "no such file (not a saved MoE layer folder)", null);
    }
    MoeLayerConfigFile f;
    try {
      JsonNode root = JSON.readTree(file.toFile());
      if (root != null && root.get("layer") instanceof ObjectNode layer && !layer.has("modalities")) {
        // Written before modalities were configuration: the layer had image and text tokens.
        layer.set("modalities", JSON.valueToTree(Modalities.IMAGE_TEXT));
      }
      f = JSON.treeToValue(root, MoeLayerConfigFile.class);
    } catch (JsonProcessingException e) {
      throw new MoeLayerConfigException(file, "not a valid MoE layer configuration: "
          + e.getOriginalMessage(), e);
    }
    if (f.formatVersion() != FORMAT_VERSION) {
      throw new MoeLayerConfigException(file, "formatVersion is " + f.formatVersion()
          + ", this version reads " + FORMAT_VERSION, null);
    }
    if (f.layer() == null) {
      throw new MoeLayerConfigException(file, "field 'layer' is missing", null);
    }
    return f.layer();
  }

  /** Rebuilds the layer saved in {@code dir} from its configuration and weights. */
  public static Loaded load(Path dir) throws IOException {
    return load(dir, LoadOptions.defaults());
  }

  /** As {@link #load(Path)}, with options for reading the weights. */
  public static Loaded load(Path dir, LoadOptions options) throws IOException {
    MoeLayerSpec spec = readSpec(dir);
    MoeLayer layer = spec.newLayer(new SplittableRandom(0)); // values are replaced by the file's
    ModelWeights.load(dir.resolve(WEIGHTS), layer.parameters(), options);
    return new Loaded(spec, layer);
  }

  /**
   * Loads the layer saved in {@code dir}, refusing it (before reading any weights) unless it was
   * saved under exactly {@code expected}.
   *
   * @throws MoeLayerConfigException naming every field that differs
   */
  public static MoeLayer load(Path dir, MoeLayerSpec expected) throws IOException {
    Objects.requireNonNull(expected, "expected spec");
    MoeLayerSpec saved = readSpec(dir);
    List<String> diff = differences(saved, expected);
    if (!diff.isEmpty()) {
      throw new MoeLayerConfigException(dir.resolve(CONFIG),
          "the saved layer differs from the expected one in " + String.join("; ", diff), null);
    }
    return load(dir).layer();
  }

  private static List<String> differences(MoeLayerSpec saved, MoeLayerSpec expected) {
    List<String> out = new ArrayList<>();
    field(out, "prefix", saved.prefix(), expected.prefix());
    field(out, "dModel", saved.config().dModel(), expected.config().dModel());
    field(out, "dHidden", saved.config().dHidden(), expected.config().dHidden());
    field(out, "numExperts", saved.config().numExperts(), expected.config().numExperts());
    field(out, "routing", saved.config().routing(), expected.config().routing());
    field(out, "modalities", saved.modalities().names(), expected.modalities().names());
    field(out, "dtr", saved.dtr(), expected.dtr());
    field(out, "evolution", saved.evolution(), expected.evolution());
    field(out, "dataType", saved.dataType(), expected.dataType());
    return out;
  }

  private static void field(List<String> out, String name, Object saved, Object expected) {
    if (!Objects.equals(saved, expected)) {
      out.add(name + " (saved " + saved + ", expected " + expected + ")");
    }
  }
}
