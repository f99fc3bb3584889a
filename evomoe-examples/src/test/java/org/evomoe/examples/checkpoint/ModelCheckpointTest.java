package org.evomoe.examples.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.evomoe.checkpoint.CheckpointFormatException;
import org.evomoe.checkpoint.Dtype;
import org.evomoe.checkpoint.LoadOptions;
import org.evomoe.checkpoint.Safetensors;
import org.evomoe.checkpoint.SafetensorsFile;
import org.evomoe.checkpoint.SafetensorsHeader;
import org.evomoe.checkpoint.Tensor;
import org.evomoe.checkpoint.TensorEntry;
import org.evomoe.checkpoint.TensorSetMismatchException;
import org.evomoe.examples.model.DecoderModel;
import org.evomoe.examples.model.ModelConfig;
import org.evomoe.examples.model.MoeSettings;
import org.evomoe.examples.model.MultiModalProjector;
import org.evomoe.examples.model.VisionEncoder;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.text.WordTokenizer;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.HyperActivation;
import org.evomoe.router.ThetaContraction;
import org.evomoe.tensor.Parameter;
import org.evomoe.router.RouterKind;
import org.evomoe.moe.RoutingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

class ModelCheckpointTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  /** A small DTR with every option away from its default. */
  private static DtrConfig smallDtr() {
    return new DtrConfig(2, 4, 5, HyperActivation.SILU, true, ThetaContraction.MATERIALISED);
  }

  private static List<ModelSpec> specs() {
    List<ModelSpec> out = new ArrayList<>();
    for (RouterKind kind : RouterKind.values()) {
      MoeSettings moe = TinyModels.moe(kind);
      ModelConfig c = TinyModels.decoder(kind == RouterKind.DTR ? moe.withDtr(smallDtr()) : moe);
      for (MoeMode mode : MoeMode.values()) {
        out.add(new ModelSpec(c, TinyModels.vision(), mode));
      }
    }
    return out;
  }

  private VisionLanguageModel randomModel(ModelSpec spec, long seed) {
    VisionLanguageModel m = ModelCheckpoint.newModel(spec, DataType.FLOAT, new SplittableRandom(seed));
    TinyModels.randomise(m, seed + 1);
    return m;
  }

  @Test
  void everyRouterKindAndMoeModeRoundTripsToIdenticalLogits() throws IOException {
    int n = 0;
    for (ModelSpec spec : specs()) {
      VisionLanguageModel m = randomModel(spec, 10 + n);
      double[] before = TinyModels.logits(m, 99);
      Path dir = tmp.resolve("ckpt-" + n++).resolve("nested"); // created by save
      ModelCheckpoint.save(dir, m, spec, TinyModels.tokenizer());
      LoadedModel loaded = ModelCheckpoint.load(dir);
      assertEquals(spec, loaded.spec(), spec.toString());
      ModelSpec rebuilt = ModelSpec.of(loaded.model());
      assertEquals(spec, rebuilt, "the rebuilt model is in the saved state");
      assertEquals(TinyModels.tokenizer().tokens(), loaded.tokenizer().tokens());
      List<Parameter> a = m.parameters();
      List<Parameter> b = loaded.model().parameters();
      assertEquals(a.size(), b.size());
      for (int i = 0; i < a.size(); i++) {
        assertEquals(a.get(i).name(), b.get(i).name());
        assertArrayEquals(a.get(i).value().data().asFloat(), b.get(i).value().data().asFloat(),
            a.get(i).name());
      }
      double[] after = TinyModels.logits(loaded.model(), 99);
      assertArrayEquals(before, after, 0.0, spec.moeMode() + " " + spec.decoder().moe().routing().routerKind());
      try (Stream<Path> files = Files.list(dir)) {
        assertEquals(List.of("config.json", "model.safetensors", "tokenizer.json"),
            files.map(p -> p.getFileName().toString()).sorted().toList(),
            "exactly the three files, no temporary file left behind");
      }
    }
    assertEquals(9, n);
  }

  @Test
  void runtimeRoutingStateAfterAStageIsWhatIsSaved() throws IOException {
    // Created as top-2 renormalised, then switched to top-1 with other loss weights, as a
    // caller does through MoeLayer.setRouting between stages: the checkpoint must record top-1.
    ModelSpec created = new ModelSpec(TinyModels.decoder(TinyModels.moe(RouterKind.LINEAR)),
        TinyModels.vision(), MoeMode.ROUTED);
    VisionLanguageModel m = randomModel(created, 3);
    for (MoeLayer moe : m.moeLayers()) {
      moe.setRouting(new RoutingConfig(1, false, 0.002, 0.0, RouterKind.LINEAR));
    }
    ModelSpec now = ModelSpec.of(m);
    assertEquals(1, now.decoder().moe().routing().topK());
    assertEquals(0.002, now.decoder().moe().routing().auxLossWeight());
    IllegalArgumentException stale = assertThrows(IllegalArgumentException.class,
        () -> ModelCheckpoint.save(tmp, m, created, TinyModels.tokenizer()));
    assertTrue(stale.getMessage().contains("num_experts_per_tok: 2 vs 1"), stale.getMessage());

    double[] before = TinyModels.logits(m, 5);
    ModelCheckpoint.save(tmp, m, now, TinyModels.tokenizer());
    LoadedModel loaded = ModelCheckpoint.load(tmp);
    for (MoeLayer moe : loaded.model().moeLayers()) {
      assertEquals(1, moe.config().topK());
      assertEquals(-1, moe.forcedExpert());
    }
    assertArrayEquals(before, TinyModels.logits(loaded.model(), 5), 0.0);
    // A top-2 model would compute other logits: the recorded top-k matters.
    VisionLanguageModel top2 = ModelCheckpoint.newModel(created, DataType.FLOAT, new SplittableRandom(1));
    copyWeights(loaded.model(), top2);
    assertTrue(maxAbsDiff(before, TinyModels.logits(top2, 5)) > 1e-3);
  }

  @Test
  void seedOnlyModeIsRestoredAndDiffersFromRouting() throws IOException {
    ModelSpec spec = new ModelSpec(TinyModels.decoder(MoeSettings.evoMoe(3)), TinyModels.vision(),
        MoeMode.SEED_ONLY);
    assertEquals(DtrConfig.defaults(), spec.dtr(), "a DTR spec without sizes gets the defaults");
    VisionLanguageModel m = randomModel(spec, 7);
    for (MoeLayer moe : m.moeLayers()) {
      assertEquals(0, moe.forcedExpert());
    }
    ModelCheckpoint.save(tmp, m, ModelSpec.of(m), TinyModels.tokenizer());
    LoadedModel loaded = ModelCheckpoint.load(tmp);
    for (MoeLayer moe : loaded.model().moeLayers()) {
      assertEquals(0, moe.forcedExpert());
    }
    double[] seedOnly = TinyModels.logits(loaded.model(), 8);
    assertArrayEquals(TinyModels.logits(m, 8), seedOnly, 0.0);
    loaded.model().moeLayers().forEach(moe -> moe.forceExpert(-1));
    assertTrue(maxAbsDiff(seedOnly, TinyModels.logits(loaded.model(), 8)) > 1e-3);
  }

  @Test
  void layoutIsExactlyTheParametersOfModelsBuiltByTheModelPackage() {
    // Models built by DecoderModel.create / createDense (not by ModelCheckpoint) for each kind.
    for (RouterKind kind : RouterKind.values()) {
      for (boolean dense : new boolean[] {false, true}) {
        ModelConfig c = TinyModels.decoder(TinyModels.moe(kind));
        SplittableRandom rng = new SplittableRandom(1);
        VisionEncoder v = new VisionEncoder(TinyModels.vision(), DataType.FLOAT, rng);
        MultiModalProjector p = new MultiModalProjector(6, 8, DataType.FLOAT, rng);
        DecoderModel d = dense ? DecoderModel.createDense(c, DataType.FLOAT, rng)
            : DecoderModel.create(c, DataType.FLOAT, rng);
        VisionLanguageModel m = new VisionLanguageModel(v, p, d);
        ModelSpec spec = ModelSpec.of(m);
        assertEquals(dense ? MoeMode.DENSE : MoeMode.ROUTED, spec.moeMode());
        assertLayout(ModelLayout.shapes(spec), m.parameters());
      }
    }
    for (ModelSpec spec : specs()) {
      assertLayout(ModelLayout.shapes(spec),
          ModelCheckpoint.newModel(spec, DataType.FLOAT, new SplittableRandom(2)).parameters());
    }
  }

  private static void assertLayout(Map<String, long[]> layout, List<Parameter> params) {
    List<String> names = new ArrayList<>(layout.keySet());
    assertEquals(names, params.stream().map(Parameter::name).toList());
    for (Parameter p : params) {
      assertArrayEquals(layout.get(p.name()), p.value().shape(), p.name());
    }
  }

  @Test
  void configJsonUsesTheDocumentedFieldNames() throws IOException {
    ModelSpec spec = new ModelSpec(TinyModels.decoder(TinyModels.moe(RouterKind.DTR).withDtr(smallDtr())),
        TinyModels.vision(), MoeMode.ROUTED);
    VisionLanguageModel m = randomModel(spec, 1);
    ModelCheckpoint.save(tmp, m, spec, TinyModels.tokenizer());
    JsonNode c = JSON.readTree(tmp.resolve("config.json").toFile());
    assertEquals("[\"EvoMoeVisionLanguageModel\"]", c.get("architectures").toString());
    assertEquals("evomoe", c.get("model_type").textValue());
    assertEquals(13, c.get("vocab_size").intValue());
    assertEquals(8, c.get("hidden_size").intValue());
    assertEquals(12, c.get("intermediate_size").intValue());
    assertEquals(3, c.get("num_hidden_layers").intValue());
    assertEquals(2, c.get("num_attention_heads").intValue());
    assertEquals(1, c.get("num_key_value_heads").intValue());
    assertEquals(4, c.get("head_dim").intValue());
    assertEquals(500.0, c.get("rope_theta").doubleValue());
    assertEquals(1e-5, c.get("rms_norm_eps").doubleValue());
    assertEquals("[0,2]", c.get("moe_layers").toString());
    assertEquals(3, c.get("num_local_experts").intValue());
    assertEquals(2, c.get("num_experts_per_tok").intValue());
    assertTrue(c.get("norm_topk_prob").booleanValue());
    assertEquals(0.01, c.get("router_aux_loss_coef").doubleValue());
    assertEquals(0.001, c.get("router_z_loss_coef").doubleValue());
    assertEquals("dtr", c.get("router_kind").textValue());
    assertEquals("routed", c.get("moe_mode").textValue());
    assertEquals("{\"rank\":2,\"embed_dim\":4,\"hyper_hidden\":5,\"hyper_activation\":\"silu\","
        + "\"phi_bias\":true,\"contraction\":\"materialised\"}", c.get("dtr_config").toString());
    JsonNode v = c.get("vision_config");
    assertEquals(4, v.get("image_height").intValue());
    assertEquals(2, v.get("patch_size").intValue());
    assertEquals(6, v.get("hidden_size").intValue());
    assertEquals(8, v.get("intermediate_size").intValue());
    assertEquals(4, c.get("image_seq_length").intValue());
    SafetensorsHeader h = Safetensors.readHeader(tmp.resolve("model.safetensors"), LoadOptions.defaults());
    for (TensorEntry e : h.tensors().values()) {
      assertEquals(Dtype.F32, e.dtype(), e.name());
    }
    assertEquals(ModelLayout.shapes(spec).keySet(), h.tensors().keySet());
    assertEquals(spec, ModelSpecJson.fromJson(c, tmp.resolve("config.json")));
  }

  @Test
  void specJsonRoundTripsForEveryKindAndMode() throws IOException {
    for (ModelSpec spec : specs()) {
      ObjectNode json = ModelSpecJson.toJson(spec);
      ModelSpec back = ModelSpecJson.fromJson(JSON.readTree(JSON.writeValueAsString(json)), tmp);
      assertEquals(spec, back);
      assertTrue(ModelSpecJson.differences(spec, back).isEmpty());
    }
  }

  // ------------------------------------------------------------------ damaged folders

  /** A saved checkpoint of a small routed LINEAR model. */
  private Path saved() throws IOException {
    ModelSpec spec = new ModelSpec(TinyModels.decoder(TinyModels.moe(RouterKind.LINEAR)),
        TinyModels.vision(), MoeMode.ROUTED);
    Path dir = tmp.resolve("saved");
    ModelCheckpoint.save(dir, randomModel(spec, 4), spec, TinyModels.tokenizer());
    return dir;
  }

  private static CheckpointFormatException loadFails(Path dir, String file) {
    CheckpointFormatException e =
        assertThrows(CheckpointFormatException.class, () -> ModelCheckpoint.load(dir));
    assertEquals(file, e.file().getFileName().toString(), e.getMessage());
    assertTrue(e.getMessage().contains(file), e.getMessage());
    return e;
  }

  private static void editConfig(Path dir, Consumer<ObjectNode> edit) throws IOException {
    Path f = dir.resolve("config.json");
    ObjectNode c = (ObjectNode) JSON.readTree(f.toFile());
    edit.accept(c);
    Files.writeString(f, c.toString());
  }

  /**
   * Rewrites model.safetensors with {@code tensors}, its record of the folder updated to the
   * folder's current config.json and tokenizer.json: a damaged but self-consistent folder, as a
   * hostile file would make it, so that the checks after the binding are reached.
   */
  static void rewriteBound(Path dir, List<Tensor> tensors) throws IOException {
    Path w = dir.resolve("model.safetensors");
    Map<String, String> meta = new java.util.LinkedHashMap<>(Safetensors.readHeader(w,
        LoadOptions.defaults()).metadata());
    meta.put("evomoe_config_sha256", Sha256.of(dir.resolve("config.json")));
    meta.put("evomoe_tokenizer_sha256", Sha256.of(dir.resolve("tokenizer.json")));
    Safetensors.write(w, tensors, meta, Dtype.F32);
  }

  static void rebind(Path dir) throws IOException {
    rewriteBound(dir, new ArrayList<>(Safetensors.read(dir.resolve("model.safetensors")).tensors().values()));
  }

  @Test
  void truncatedWeightsAreACheckpointFormatExceptionNamingTheFile() throws IOException {
    Path dir = saved();
    Path w = dir.resolve("model.safetensors");
    byte[] all = Files.readAllBytes(w);
    for (int cut : new int[] {0, 5, 8, 100, all.length / 2, all.length - 1}) {
      Files.write(w, Arrays.copyOf(all, cut));
      CheckpointFormatException e = loadFails(dir, "model.safetensors");
      assertTrue(e.reason() == CheckpointFormatException.Reason.TRUNCATED
          || e.reason() == CheckpointFormatException.Reason.HEADER_LENGTH
          || e.reason() == CheckpointFormatException.Reason.MALFORMED_HEADER, e.getMessage());
    }
  }

  @Test
  void malformedConfigJsonNamesTheFile() throws IOException {
    Path dir = saved();
    Path f = dir.resolve("config.json");
    byte[] good = Files.readAllBytes(f);
    // Cut at every byte: never anything but a CheckpointFormatException naming config.json.
    for (int cut = 0; cut < good.length - 1; cut++) {
      Files.write(f, Arrays.copyOf(good, cut));
      loadFails(dir, "config.json");
    }
    Files.writeString(f, "[1, 2]");
    assertTrue(loadFails(dir, "config.json").getMessage().contains("expected a JSON object"));
    Files.writeString(f, "{\"vocab_size\": 13, \"vocab_size\": 14}");
    assertEquals(CheckpointFormatException.Reason.DUPLICATE_KEY,
        loadFails(dir, "config.json").reason());
  }

  @Test
  void wrongFieldTypesAndInvalidValuesNameTheFileAndField() throws IOException {
    Path dir = saved();
    Path f = dir.resolve("config.json");
    byte[] good = Files.readAllBytes(f);
    record Case(String expectedText, Consumer<ObjectNode> edit) {}
    List<Case> cases = List.of(
        new Case("hidden_size must be an integer, found a string \"8\"",
            c -> c.put("hidden_size", "8")),
        new Case("num_hidden_layers must be an integer, found a number 3.0",
            c -> c.put("num_hidden_layers", 3.0)),
        new Case("vision_config.patch_size must be an integer",
            c -> ((ObjectNode) c.get("vision_config")).put("patch_size", true)),
        new Case("rope_theta must be a number", c -> c.put("rope_theta", "10000")),
        new Case("norm_topk_prob must be a boolean", c -> c.put("norm_topk_prob", 1)),
        new Case("moe_layers[1] must be an integer", c -> c.putArray("moe_layers").add(0).add("2")),
        new Case("vocab_size is missing", c -> c.remove("vocab_size")),
        new Case("dModel 8 is not divisible by numHeads 3", c -> c.put("num_attention_heads", 3)),
        new Case("topK must be in [1, numExperts=3], got 5", c -> c.put("num_experts_per_tok", 5)),
        new Case("MoE layer index 7 is outside", c -> c.putArray("moe_layers").add(7)),
        new Case("lists layer 0 twice", c -> c.putArray("moe_layers").add(0).add(0)),
        new Case("moe_mode is \"sometimes\", not one of", c -> c.put("moe_mode", "sometimes")),
        new Case("router_kind is \"LINEAR\"", c -> c.put("router_kind", "LINEAR")),
        new Case("normEps must be finite and > 0, got -1.0", c -> c.put("rms_norm_eps", -1.0)),
        new Case("vision_config: imageHeight must be a positive multiple of patchSize",
            c -> ((ObjectNode) c.get("vision_config")).put("image_height", 5)),
        new Case("unknown field [num_local_expert]", c -> c.put("num_local_expert", 3)),
        new Case("model_type must be \"evomoe\"", c -> c.put("model_type", "llama")),
        new Case("format_version is 3", c -> c.put("format_version", 3)),
        new Case("format_version is 1; this version reads format 2 only (older model folders are not read",
            c -> c.put("format_version", 1)),
        new Case("head_dim is 3", c -> c.put("head_dim", 3)),
        new Case("dtr_config is only allowed with router_kind \"dtr\"",
            c -> c.putObject("dtr_config").put("rank", 2)),
        new Case("moe mode routed needs MoE layers", c -> c.putArray("moe_layers")),
        new Case("tie_word_embeddings must be false", c -> c.put("tie_word_embeddings", true)),
        new Case("outside the int range", c -> c.put("vocab_size", 1L << 40)));
    for (Case k : cases) {
      Files.write(f, good);
      editConfig(dir, k.edit());
      CheckpointFormatException e = loadFails(dir, "config.json");
      assertTrue(e.getMessage().contains(k.expectedText()),
          "expected '" + k.expectedText() + "' in: " + e.getMessage());
    }
  }

  @Test
  void aConfigThatDoesNotFitTheWeightsFailsBeforeBuildingTheModel() throws IOException {
    Path dir = saved();
    // A huge vocabulary would allocate gigabytes if the model were built first.
    editConfig(dir, c -> c.put("vocab_size", 4_000_000));
    rebind(dir);
    TensorSetMismatchException e =
        assertThrows(TensorSetMismatchException.class, () -> ModelCheckpoint.load(dir));
    assertTrue(e.shapeMismatches().contains(
        "lm_head.weight: expected [4000000, 8], file has [13, 8]"), e.getMessage());
    assertTrue(e.shapeMismatches().contains(
        "model.embed_tokens.weight: expected [4000000, 8], file has [13, 8]"), e.getMessage());
  }

  @Test
  void missingTokenizerIsNamed() throws IOException {
    Path dir = saved();
    Files.delete(dir.resolve("tokenizer.json"));
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> ModelCheckpoint.load(dir));
    assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    Files.delete(dir.resolve("config.json"));
    NoSuchFileException c = assertThrows(NoSuchFileException.class, () -> ModelCheckpoint.load(dir));
    assertTrue(c.getMessage().contains("config.json"), c.getMessage());
  }

  @Test
  void badTokenizersAreRefused() throws IOException {
    Path dir = saved();
    Files.writeString(dir.resolve("tokenizer.json"), "{\"format\": 3");
    IOException e = assertThrows(IOException.class, () -> ModelCheckpoint.load(dir));
    assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    List<String> words = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      words.add("w" + (char) ('a' + i));
    }
    WordTokenizer.build(List.of(String.join(" ", words))).save(dir.resolve("tokenizer.json"));
    CheckpointFormatException big = loadFails(dir, "tokenizer.json");
    assertTrue(big.getMessage().contains("25 tokens, more than the vocab_size 13"), big.getMessage());
  }

  @Test
  void missingAndExtraTensorsAreNamed() throws IOException {
    Path dir = saved();
    Path w = dir.resolve("model.safetensors");
    SafetensorsFile file = Safetensors.read(w);
    List<Tensor> kept = new ArrayList<>();
    for (Tensor t : file.tensors().values()) {
      if (!t.name().equals("model.layers.2.mlp.experts.1.up_proj.weight")) {
        kept.add(t);
      }
    }
    kept.add(new Tensor("model.layers.1.mlp.experts.0.up_proj.weight", new long[] {12, 8},
        new float[96]));
    rewriteBound(dir, kept);
    TensorSetMismatchException e =
        assertThrows(TensorSetMismatchException.class, () -> ModelCheckpoint.load(dir));
    assertEquals(List.of("model.layers.2.mlp.experts.1.up_proj.weight"), e.missing());
    assertEquals(List.of("model.layers.1.mlp.experts.0.up_proj.weight"), e.unexpected());
    assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
  }

  @Test
  void nonFiniteWeightsFollowTheLoadOptions() throws IOException {
    Path dir = saved();
    Path w = dir.resolve("model.safetensors");
    List<Tensor> tensors = new ArrayList<>(Safetensors.read(w).tensors().values());
    Tensor norm = tensors.stream().filter(t -> t.name().equals("model.norm.weight")).findFirst()
        .orElseThrow();
    float[] data = norm.data().clone();
    data[3] = Float.NaN;
    tensors.set(tensors.indexOf(norm), new Tensor(norm.name(), norm.shape(), data));
    rewriteBound(dir, tensors);
    assertEquals(CheckpointFormatException.Reason.NON_FINITE,
        loadFails(dir, "model.safetensors").reason());
    LoadedModel m = ModelCheckpoint.load(dir, LoadOptions.defaults().withAllowNonFinite(true));
    assertTrue(Float.isNaN(m.model().decoder().norm().parameters().get(0).value().getFloat(3)));
  }

  @Test
  void corruptedBytesNeverEscapeAsRuntimeExceptions() throws IOException {
    Path dir = saved();
    Map<String, byte[]> good = Map.of(
        "config.json", Files.readAllBytes(dir.resolve("config.json")),
        "model.safetensors", Files.readAllBytes(dir.resolve("model.safetensors")),
        "tokenizer.json", Files.readAllBytes(dir.resolve("tokenizer.json")));
    SplittableRandom rng = new SplittableRandom(17);
    for (String name : good.keySet()) {
      byte[] original = good.get(name);
      int limit = name.equals("model.safetensors") ? 2000 : original.length; // header region
      for (int trial = 0; trial < 60; trial++) {
        byte[] b = original.clone();
        int at = rng.nextInt(Math.min(limit, b.length));
        b[at] = (byte) rng.nextInt(256);
        Files.write(dir.resolve(name), b);
        try {
          ModelCheckpoint.load(dir);
        } catch (IOException expected) {
          // fine: a checked, named failure
        } catch (RuntimeException e) {
          fail(name + " byte " + at + " set to " + (b[at] & 0xFF) + ": " + e, e);
        }
      }
      Files.write(dir.resolve(name), original);
    }
  }

  // ------------------------------------------------------------------ saving

  @Test
  void saveRefusesSpecsAndStatesItCannotRecord() throws IOException {
    ModelSpec spec = new ModelSpec(TinyModels.decoder(TinyModels.moe(RouterKind.LINEAR)),
        TinyModels.vision(), MoeMode.ROUTED);
    VisionLanguageModel m = randomModel(spec, 2);
    WordTokenizer tok = TinyModels.tokenizer();
    IllegalArgumentException wrongMode = assertThrows(IllegalArgumentException.class,
        () -> ModelCheckpoint.save(tmp, m, spec.withMoeMode(MoeMode.SEED_ONLY), tok));
    assertTrue(wrongMode.getMessage().contains("moe_mode: \"seed_only\" vs \"routed\""),
        wrongMode.getMessage());

    m.moeLayers().get(1).forceExpert(2);
    IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
        () -> ModelCheckpoint.save(tmp, m, spec, tok));
    assertTrue(mixed.getMessage().contains("forced expert"), mixed.getMessage());
    m.moeLayers().get(0).forceExpert(2);
    IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
        () -> ModelCheckpoint.save(tmp, m, spec, tok));
    assertTrue(other.getMessage().contains("forced to expert 2"), other.getMessage());
    m.moeLayers().forEach(moe -> moe.forceExpert(-1));

    m.decoder().densify(2, 0);
    IllegalArgumentException partial = assertThrows(IllegalArgumentException.class,
        () -> ModelSpec.of(m));
    assertTrue(partial.getMessage().contains("layers [0] hold a MoE"), partial.getMessage());

    VisionLanguageModel ok = randomModel(spec, 5);
    WordTokenizer big = WordTokenizer.build(List.of("a b c d e f g h i j"));
    assertThrows(IllegalArgumentException.class, () -> ModelCheckpoint.save(tmp, ok, spec, big));
    try (Stream<Path> files = Files.list(tmp)) {
      assertFalse(files.findAny().isPresent(), "nothing written by refused saves");
    }
  }

  @Test
  void savingAgainReplacesTheFiles() throws IOException {
    ModelSpec spec = new ModelSpec(TinyModels.decoder(TinyModels.moe(RouterKind.MODALITY_LINEAR)),
        TinyModels.vision(), MoeMode.ROUTED);
    VisionLanguageModel m = randomModel(spec, 8);
    ModelCheckpoint.save(tmp, m, spec, TinyModels.tokenizer());
    TinyModels.randomise(m, 77);
    double[] expected = TinyModels.logits(m, 1);
    ModelCheckpoint.save(tmp, m, spec, TinyModels.tokenizer());
    assertArrayEquals(expected, TinyModels.logits(ModelCheckpoint.load(tmp).model(), 1), 0.0);
    assertTrue(new String(Files.readAllBytes(tmp.resolve("config.json")), StandardCharsets.UTF_8)
        .contains("\"modality_linear\""));
  }

  private static void copyWeights(VisionLanguageModel from, VisionLanguageModel to) {
    List<Parameter> a = from.parameters();
    List<Parameter> b = to.parameters();
    for (int i = 0; i < a.size(); i++) {
      b.get(i).value().assign(a.get(i).value());
    }
  }

  private static double maxAbsDiff(double[] a, double[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
