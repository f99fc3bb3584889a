package org.evomoe.examples.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomoe.checkpoint.CheckpointFormatException;
import org.evomoe.checkpoint.CheckpointFormatException.Reason;

/**
 * What the weights of a model folder are, recorded in the {@code __metadata__} of
 * model.safetensors when the folder is saved: the model's name (the folder's name at save time,
 * e.g. {@code evomoe}), its MoE mode and router kind, and the SHA-256 of the config.json and
 * tokenizer.json saved with it. Loading compares the folder's files with this record, so a
 * config.json, tokenizer.json or model.safetensors taken from another folder is refused with a
 * message that names the file that does not belong.
 *
 * @param name the folder's name when it was saved
 * @param moeMode config.json's {@code moe_mode} at save time
 * @param routerKind config.json's {@code router_kind} at save time
 * @param configSha256 SHA-256 of the config.json bytes saved with the weights
 * @param tokenizerSha256 SHA-256 of the tokenizer.json bytes saved with the weights
 */
public record ModelBinding(
    String name, String moeMode, String routerKind, String configSha256, String tokenizerSha256) {
  /** Metadata key marking the project's model files, value {@link #MARK}. */
  public static final String KEY = "evomoe";
  /** Value of {@link #KEY}. */
  public static final String MARK = "model";
  static final String NAME = "evomoe_name";
  static final String MOE_MODE = "evomoe_moe_mode";
  static final String ROUTER_KIND = "evomoe_router_kind";
  static final String CONFIG_SHA = "evomoe_config_sha256";
  static final String TOKENIZER_SHA = "evomoe_tokenizer_sha256";

  public ModelBinding {
    for (String v : new String[] {name, moeMode, routerKind, configSha256, tokenizerSha256}) {
      if (v == null) {
        throw new IllegalArgumentException("every field of a model binding is required");
      }
    }
  }

  /** The metadata entries of model.safetensors. */
  public Map<String, String> toMetadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(KEY, MARK);
    m.put(NAME, name);
    m.put(MOE_MODE, moeMode);
    m.put(ROUTER_KIND, routerKind);
    m.put(CONFIG_SHA, configSha256);
    m.put(TOKENIZER_SHA, tokenizerSha256);
    return m;
  }

  /**
   * The record in a weights file's metadata.
   *
   * @throws CheckpointFormatException when the file has none (not written by this version's
   *     {@link ModelCheckpoint#save})
   */
  static ModelBinding fromMetadata(Map<String, String> metadata, Path weights)
      throws CheckpointFormatException {
    String[] keys = {NAME, MOE_MODE, ROUTER_KIND, CONFIG_SHA, TOKENIZER_SHA};
    List<String> missing = new ArrayList<>();
    for (String k : keys) {
      if (metadata.get(k) == null) {
        missing.add(k);
      }
    }
    if (!MARK.equals(metadata.get(KEY)) || !missing.isEmpty()) {
      throw new CheckpointFormatException(Reason.MALFORMED_HEADER, weights, null, 8,
          "has no record of the config.json and tokenizer.json it was saved with (metadata "
              + missing + " missing): it was not saved by this version as a model folder, so it"
              + " cannot be checked against them; save the model again");
    }
    return new ModelBinding(metadata.get(NAME), metadata.get(MOE_MODE),
        metadata.get(ROUTER_KIND), metadata.get(CONFIG_SHA), metadata.get(TOKENIZER_SHA));
  }

  /**
   * Throws unless the folder's config.json and tokenizer.json are the ones the weights were saved
   * with, naming the file that does not belong: model.safetensors when it was saved in a folder
   * of another name, otherwise the mismatching config.json or tokenizer.json.
   */
  void check(Path dir, String configSha, String tokenizerSha) throws CheckpointFormatException {
    boolean configOk = configSha256.equals(configSha);
    boolean tokenizerOk = tokenizerSha256.equals(tokenizerSha);
    if (configOk && tokenizerOk) {
      return;
    }
    Path folderName = dir.toAbsolutePath().normalize().getFileName();
    boolean sameName = folderName != null && folderName.toString().equals(name);
    String what = "model '" + name + "' (moe_mode " + moeMode + ", router_kind " + routerKind + ")";
    if (!sameName) {
      Path weights = dir.resolve(ModelCheckpoint.WEIGHTS_FILE);
      throw new CheckpointFormatException(Reason.TENSOR_SET_MISMATCH, weights, null, 8,
          "does not belong in this folder: it holds the weights of " + what + ", saved with"
              + " another " + (configOk ? "" : ModelCheckpoint.CONFIG_FILE)
              + (configOk || tokenizerOk ? "" : " and ")
              + (tokenizerOk ? "" : ModelCheckpoint.TOKENIZER_FILE));
    }
    String file = configOk ? ModelCheckpoint.TOKENIZER_FILE : ModelCheckpoint.CONFIG_FILE;
    String recorded = configOk ? tokenizerSha256 : configSha256;
    String actual = configOk ? tokenizerSha : configSha;
    throw new CheckpointFormatException(Reason.TENSOR_SET_MISMATCH, dir.resolve(file), null, 0,
        "does not belong to the " + ModelCheckpoint.WEIGHTS_FILE + " of this folder, " + what
            + ": the weights were saved with a " + file + " of SHA-256 "
            + recorded.substring(0, 12) + "..., this one is " + actual.substring(0, 12) + "..."
            + (configOk || tokenizerOk ? "" : " (and " + ModelCheckpoint.TOKENIZER_FILE
                + " differs too)"));
  }
}
