package org.evomoe.examples.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.evomoe.checkpoint.AtomicFiles;
import org.evomoe.checkpoint.CheckpointFormatException;
import org.evomoe.checkpoint.CheckpointFormatException.Reason;
import org.evomoe.checkpoint.LoadOptions;
import org.evomoe.checkpoint.ModelWeights;
import org.evomoe.checkpoint.Safetensors;
import org.evomoe.checkpoint.SafetensorsHeader;
import org.evomoe.checkpoint.TensorSetMismatchException;
import org.evomoe.examples.model.DecoderModel;
import org.evomoe.examples.model.ModelConfig;
import org.evomoe.examples.model.MoeSettings;
import org.evomoe.examples.model.MultiModalProjector;
import org.evomoe.examples.model.VisionEncoder;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.text.WordTokenizer;
import org.evomoe.moe.MoeLayer;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A trained model in a folder, in the Hugging Face layout:
 *
 * <pre>
 * dir/
 *   config.json        the {@link ModelSpec} ({@link ModelSpecJson}): sizes, MoE layers and mode,
 *                      router kind, vision_config
 *   model.safetensors  every parameter by its stable name, F32 (docs/checkpoint-format.md,
 *                      "Tensor names")
 *   tokenizer.json     the {@link WordTokenizer} vocabulary
 * </pre>
 *
 * Each file is written atomically ({@link AtomicFiles}): a reader sees the old or the new file,
 * never a half-written one. model.safetensors is written last and records what it is ({@link
 * ModelBinding}: the folder's name, MoE mode, router kind and the SHA-256 of the config.json and
 * tokenizer.json saved with it), so a save interrupted between two files, or files swapped
 * between folders, are refused by {@link #load} naming the file that does not belong.
 *
 * <p>Loading treats the folder as untrusted: every problem with a file's content is a {@link
 * CheckpointFormatException} (or another {@link IOException}) naming the file; a missing file is a
 * {@link NoSuchFileException}.
 */
public final class ModelCheckpoint {
  /** The model specification. */
  public static final String CONFIG_FILE = "config.json";
  /** The weights. */
  public static final String WEIGHTS_FILE = "model.safetensors";
  /** The vocabulary. */
  public static final String TOKENIZER_FILE = "tokenizer.json";

  private static final long INIT_SEED = 0x5EED;

  private ModelCheckpoint() {}

  /**
   * Writes config.json, model.safetensors (F32) and tokenizer.json into {@code dir}, creating it
   * if needed.
   *
   * @param spec must describe the model as it is now, i.e. equal {@link ModelSpec#of
   *     ModelSpec.of(model)} (that is the usual way to obtain it); for a dense decoder the DTR
   *     sizes are not visible in the model and are taken from {@code spec} as the upcycling plan
   * @throws IllegalArgumentException when {@code spec} differs from the model (naming the
   *     config.json fields that differ), when the model is in a state no specification describes
   *     (see {@link ModelSpec#of}), or when the tokenizer has more tokens than the decoder's
   *     vocabulary
   * @throws IOException from the file system; every file already written stays complete
   */
  public static void save(Path dir, VisionLanguageModel model, ModelSpec spec,
      WordTokenizer tokenizer) throws IOException {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(tokenizer, "tokenizer");
    ModelSpec actual = ModelSpec.of(model);
    if (actual.moeMode() == MoeMode.DENSE) {
      // A dense decoder has no router yet: its modalities and DTR options are the upcycling plan,
      // taken as given when the routing is the same.
      MoeSettings planned = actual.decoder().moe().withModalities(spec.decoder().moe().modalities());
      if (planned.dtr() != null && spec.dtr() != null) {
        planned = planned.withDtr(spec.dtr());
      }
      actual = new ModelSpec(actual.decoder().withMoe(planned), actual.vision(), MoeMode.DENSE);
    }
    List<String> diff = ModelSpecJson.differences(spec, actual);
    if (!diff.isEmpty()) {
      throw new IllegalArgumentException(
          "the specification does not describe the model (spec vs model): " + diff);
    }
    if (tokenizer.vocabularySize() > spec.decoder().vocabSize()) {
      throw new IllegalArgumentException(
          "the tokenizer has " + tokenizer.vocabularySize() + " tokens, more than the decoder's"
              + " vocabulary of " + spec.decoder().vocabSize());
    }
    requireLayout(model.parameters(), ModelLayout.shapes(spec));
    Files.createDirectories(dir);
    byte[] config = JsonFiles.MAPPER.writeValueAsBytes(ModelSpecJson.toJson(spec));
    byte[] vocabulary = tokenizer.toJsonBytes();
    Path name = dir.toAbsolutePath().normalize().getFileName();
    ModelBinding binding = new ModelBinding(name == null ? "" : name.toString(),
        spec.moeMode().jsonName(), spec.decoder().moe().routing().routerKind().name().toLowerCase(java.util.Locale.ROOT),
        Sha256.of(config), Sha256.of(vocabulary));
    // The weights last: until they are renamed into place the folder's files disagree with the
    // record of the previous weights, and loading refuses the mix.
    AtomicFiles.writeBytes(dir.resolve(TOKENIZER_FILE), vocabulary);
    AtomicFiles.writeBytes(dir.resolve(CONFIG_FILE), config);
    ModelWeights.save(dir.resolve(WEIGHTS_FILE), model.parameters(), binding.toMetadata());
  }

  /** {@link #load(Path, LoadOptions)} with {@link LoadOptions#defaults()}. */
  public static LoadedModel load(Path dir) throws IOException {
    return load(dir, LoadOptions.defaults());
  }

  /**
   * Reads a folder written by {@link #save}: the specification from config.json, the
   * vocabulary, then the weights into a model rebuilt from the specification (float32: the
   * vision encoder, the projector, the decoder with its MoE layers and routers of the recorded
   * kind, in the recorded {@link MoeMode}).
   *
   * <p>The tensor set of model.safetensors is checked against the specification's ({@link
   * ModelLayout}) from the file's header before the model is allocated.
   *
   * @param options how strictly model.safetensors is read (non-finite values, header limit)
   * @throws NoSuchFileException naming a missing file
   * @throws TensorSetMismatchException naming the missing, unexpected and differently shaped
   *     tensors of model.safetensors
   * @throws CheckpointFormatException naming the file for any other damaged or invalid content
   *     (malformed JSON, a field of the wrong type or with an invalid value, a truncated
   *     safetensors file, ...)
   */
  public static LoadedModel load(Path dir, LoadOptions options) throws IOException {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(options, "options");
    for (String name : new String[] {CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE}) {
      // By kind before anything is opened: a named pipe would block the reader.
      FileKinds.requireRegularFile(dir.resolve(name), name);
    }
    Path configFile = dir.resolve(CONFIG_FILE);
    ModelSpec spec = ModelSpecJson.read(configFile);
    WordTokenizer tokenizer = readTokenizer(dir.resolve(TOKENIZER_FILE), spec);
    Path weights = dir.resolve(WEIGHTS_FILE);
    SafetensorsHeader header = Safetensors.readHeader(weights, options);
    ModelBinding.fromMetadata(header.metadata(), weights)
        .check(dir, Sha256.of(configFile), Sha256.of(dir.resolve(TOKENIZER_FILE)));
    Map<String, long[]> layout;
    try {
      // Bounded by the file: a config.json claiming millions of layers stops here at once.
      layout = ModelLayout.shapes(spec, header.tensors().size());
    } catch (ModelLayout.TooManyTensorsException e) {
      throw new CheckpointFormatException(Reason.TENSOR_SET_MISMATCH, configFile, null, 0,
          "describes more tensors than the " + header.tensors().size() + " of " + WEIGHTS_FILE
              + " (num_hidden_layers " + spec.decoder().numLayers() + ", num_local_experts "
              + spec.decoder().moe().numExperts() + ", vision_config.num_hidden_layers "
              + spec.vision().numLayers() + "): the two files do not belong together");
    }
    header.checkTensors(layout);
    VisionLanguageModel model;
    try {
      model = newModel(spec, DataType.FLOAT, new SplittableRandom(INIT_SEED));
    } catch (IllegalArgumentException e) {
      throw new CheckpointFormatException(Reason.MALFORMED_HEADER, configFile, null, 0,
          "describes a model that cannot be built: " + e.getMessage(), e);
    }
    ModelWeights.load(weights, model.parameters(), options);
    return new LoadedModel(model, spec, tokenizer);
  }

  /**
   * A freshly initialised model of a specification: vision encoder, projector, and a decoder
   * built as {@link DecoderModel#create} builds one (each MoE layer from its {@link
   * ModelConfig#moeLayerSpec}: independently initialised experts, then the router) in {@link MoeMode#ROUTED} and {@link
   * MoeMode#SEED_ONLY} mode (the latter with every MoE layer forced to expert 0), or as {@link
   * DecoderModel#createDense} in {@link MoeMode#DENSE} mode. Its parameters are exactly {@link
   * ModelLayout#shapes}.
   */
  public static VisionLanguageModel newModel(ModelSpec spec, DataType type, SplittableRandom rng) {
    VisionEncoder vision = new VisionEncoder(spec.vision(), type, rng);
    ModelConfig c = spec.decoder();
    MultiModalProjector projector =
        new MultiModalProjector(spec.vision().dVision(), c.dModel(), type, rng);
    DecoderModel decoder = DecoderModel.createDense(c, type, rng);
    if (spec.moeMode() != MoeMode.DENSE) {
      for (int i : c.moeLayers()) {
        MoeLayer moe = c.moeLayerSpec(i, type).newLayer(rng);
        if (spec.moeMode() == MoeMode.SEED_ONLY) {
          moe.forceExpert(0);
        }
        decoder.block(i).setFfn(moe);
      }
    }
    return new VisionLanguageModel(vision, projector, decoder);
  }

  /** Throws when the parameters are not exactly the layout (a bug, not bad input). */
  private static void requireLayout(List<Parameter> parameters, Map<String, long[]> layout) {
    Map<String, long[]> actual = new LinkedHashMap<>();
    for (Parameter p : parameters) {
      actual.put(p.name(), p.value().shape());
    }
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, long[]> e : layout.entrySet()) {
      long[] a = actual.get(e.getKey());
      if (a == null) {
        problems.add("missing " + e.getKey());
      } else if (!Arrays.equals(a, e.getValue())) {
        problems.add(e.getKey() + " is " + Arrays.toString(a) + ", expected "
            + Arrays.toString(e.getValue()));
      }
    }
    for (String name : actual.keySet()) {
      if (!layout.containsKey(name)) {
        problems.add("unexpected " + name);
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "the model's parameters differ from the checkpoint layout: " + problems);
    }
  }

  private static WordTokenizer readTokenizer(Path file, ModelSpec spec) throws IOException {
    FileKinds.requireRegularFile(file, TOKENIZER_FILE);
    WordTokenizer t;
    try {
      t = WordTokenizer.load(file);
    } catch (RuntimeException e) {
      throw new CheckpointFormatException(Reason.MALFORMED_HEADER, file, null, 0,
          "not a valid vocabulary: " + e.getMessage(), e);
    }
    if (t.vocabularySize() > spec.decoder().vocabSize()) {
      throw new CheckpointFormatException(Reason.MALFORMED_HEADER, file, null, 0,
          "holds " + t.vocabularySize() + " tokens, more than the vocab_size "
              + spec.decoder().vocabSize() + " of " + CONFIG_FILE);
    }
    return t;
  }
}
