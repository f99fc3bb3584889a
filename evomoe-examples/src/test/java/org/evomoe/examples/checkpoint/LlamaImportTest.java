package org.evomoe.examples.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.evomoe.checkpoint.CheckpointFormatException;
import org.evomoe.checkpoint.Dtype;
import org.evomoe.checkpoint.LoadOptions;
import org.evomoe.checkpoint.Safetensors;
import org.evomoe.checkpoint.Tensor;
import org.evomoe.checkpoint.TensorEntry;
import org.evomoe.checkpoint.TensorSetMismatchException;
import org.evomoe.examples.model.DecoderInput;
import org.evomoe.examples.model.DecoderModel;
import org.evomoe.examples.model.MoeSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

class LlamaImportTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  // 2 layers, d = 16, 4 heads of 4, 2 key/value heads, V = 11, SwiGLU width 24.
  private static final int V = 11;
  private static final int D = 16;
  private static final int F = 24;
  private static final int LAYERS = 2;
  private static final int HEADS = 4;
  private static final int KV = 2;
  private static final double THETA = 1000.0;
  private static final double EPS = 1e-5;
  private static final int BATCH = 2;
  private static final int SEQ = 6;
  private static final String INV_FREQ = "model.layers.0.self_attn.rotary_emb.inv_freq";

  @TempDir Path tmp;

  /** Shapes of a HF LLaMA checkpoint ([out, in]), in a fixed order. */
  private static Map<String, long[]> shapes(boolean withLmHead) {
    int dh = D / HEADS;
    Map<String, long[]> s = new LinkedHashMap<>();
    s.put("model.embed_tokens.weight", new long[] {V, D});
    for (int l = 0; l < LAYERS; l++) {
      String p = "model.layers." + l + ".";
      s.put(p + "input_layernorm.weight", new long[] {D});
      s.put(p + "self_attn.q_proj.weight", new long[] {HEADS * dh, D});
      s.put(p + "self_attn.k_proj.weight", new long[] {KV * dh, D});
      s.put(p + "self_attn.v_proj.weight", new long[] {KV * dh, D});
      s.put(p + "self_attn.o_proj.weight", new long[] {D, HEADS * dh});
      s.put(p + "post_attention_layernorm.weight", new long[] {D});
      s.put(p + "mlp.gate_proj.weight", new long[] {F, D});
      s.put(p + "mlp.up_proj.weight", new long[] {F, D});
      s.put(p + "mlp.down_proj.weight", new long[] {D, F});
    }
    s.put("model.norm.weight", new long[] {D});
    if (withLmHead) {
      s.put("lm_head.weight", new long[] {V, D});
    }
    return s;
  }

  /**
   * Random raw weights: norms 1 + N(0, 0.2^2), embedding N(0, 1), projections N(0, 1.5/fan_in);
   * with {@code bf16} every value is first cut to a bfloat16 so the BF16 file holds it exactly.
   */
  private static Map<String, float[]> weights(long seed, boolean withLmHead, boolean bf16) {
    SplittableRandom rng = new SplittableRandom(seed);
    Map<String, float[]> w = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes(withLmHead).entrySet()) {
      long[] shape = e.getValue();
      int n = (int) (shape.length == 1 ? shape[0] : shape[0] * shape[1]);
      float[] a = new float[n];
      for (int i = 0; i < n; i++) {
        double g = rng.nextGaussian();
        double v;
        if (shape.length == 1) {
          v = 1 + 0.2 * g;
        } else if (e.getKey().equals("model.embed_tokens.weight")) {
          v = g;
        } else {
          v = g * Math.sqrt(1.5 / shape[1]);
        }
        a[i] = bf16 ? Float.intBitsToFloat(Float.floatToIntBits((float) v) & 0xFFFF0000)
            : (float) v;
      }
      w.put(e.getKey(), a);
    }
    return w;
  }

  private static List<Tensor> tensors(Map<String, float[]> w, Map<String, long[]> shapes) {
    List<Tensor> out = new ArrayList<>();
    w.forEach((name, data) -> out.add(new Tensor(name, shapes.get(name), data)));
    return out;
  }

  private static ObjectNode config(boolean tied) {
    ObjectNode c = JSON.createObjectNode();
    c.putArray("architectures").add("LlamaForCausalLM");
    c.put("model_type", "llama");
    c.put("vocab_size", V);
    c.put("hidden_size", D);
    c.put("intermediate_size", F);
    c.put("num_hidden_layers", LAYERS);
    c.put("num_attention_heads", HEADS);
    c.put("num_key_value_heads", KV);
    c.put("rope_theta", THETA);
    c.put("rms_norm_eps", EPS);
    c.put("tie_word_embeddings", tied);
    c.put("hidden_act", "silu");
    c.put("max_position_embeddings", 128);
    c.putNull("rope_scaling");
    c.put("torch_dtype", "bfloat16");
    c.put("attention_bias", false);
    return c;
  }

  /**
   * Writes a checkpoint folder: config.json and the tensors (plus an unused inv_freq buffer), in
   * one file or in two shards with an index.
   */
  private Path write(String name, Map<String, float[]> w, ObjectNode config, boolean sharded,
      Dtype dtype) throws IOException {
    Path dir = tmp.resolve(name);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("config.json"), config.toString());
    Map<String, long[]> shapes = new LinkedHashMap<>(shapes(true));
    Map<String, float[]> all = new LinkedHashMap<>(w);
    int dh = D / HEADS;
    float[] invFreq = new float[dh / 2];
    for (int i = 0; i < invFreq.length; i++) {
      invFreq[i] = (float) Math.pow(THETA, -2.0 * i / dh);
    }
    all.put(INV_FREQ, invFreq);
    shapes.put(INV_FREQ, new long[] {dh / 2});
    if (!sharded) {
      Safetensors.write(dir.resolve("model.safetensors"), tensors(all, shapes), Map.of(), dtype);
      return dir;
    }
    Map<String, float[]> first = new LinkedHashMap<>();
    Map<String, float[]> second = new LinkedHashMap<>();
    ObjectNode index = JSON.createObjectNode();
    index.putObject("metadata").put("total_size", 12345);
    ObjectNode map = index.putObject("weight_map");
    for (Map.Entry<String, float[]> e : all.entrySet()) {
      boolean one = e.getKey().startsWith("model.embed") || e.getKey().startsWith("model.layers.0.");
      (one ? first : second).put(e.getKey(), e.getValue());
      map.put(e.getKey(), one ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
    }
    Safetensors.write(dir.resolve("model-00001-of-00002.safetensors"), tensors(first, shapes),
        Map.of(), dtype);
    Safetensors.write(dir.resolve("model-00002-of-00002.safetensors"), tensors(second, shapes),
        Map.of(), dtype);
    Files.writeString(dir.resolve("model.safetensors.index.json"), index.toString());
    return dir;
  }

  private static int[] tokens(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int[] t = new int[BATCH * SEQ];
    for (int i = 0; i < t.length; i++) {
      t[i] = rng.nextInt(V);
    }
    return t;
  }

  /** Largest |imported logit - reference logit| over a batch of 2 sequences of 6. */
  private static double maxDiff(DecoderModel m, LlamaReference ref, String lmHead, int[] tokens) {
    double[] got = m.forward(DecoderInput.text(BATCH, SEQ, tokens)).castTo(DataType.DOUBLE)
        .data().asDouble();
    double worst = 0;
    for (int b = 0; b < BATCH; b++) {
      int[] seq = new int[SEQ];
      System.arraycopy(tokens, b * SEQ, seq, 0, SEQ);
      double[][] want = ref.logits(seq, lmHead);
      for (int s = 0; s < SEQ; s++) {
        for (int v = 0; v < V; v++) {
          worst = Math.max(worst, Math.abs(got[(b * SEQ + s) * V + v] - want[s][v]));
        }
      }
    }
    return worst;
  }

  private static LlamaReference reference(Map<String, float[]> w, boolean interleaved) {
    return new LlamaReference(V, D, F, LAYERS, HEADS, KV, THETA, EPS, w, interleaved);
  }

  @Test
  void singleAndShardedF32AndBf16ImportsMatchAnIndependentReferenceForward() throws IOException {
    int[] tokens = tokens(5);
    for (Dtype dtype : new Dtype[] {Dtype.F32, Dtype.BF16}) {
      Map<String, float[]> w = weights(11, true, dtype == Dtype.BF16);
      LlamaReference ref = reference(w, false);
      for (boolean sharded : new boolean[] {false, true}) {
        Path dir = write(dtype + "-" + sharded, w, config(false), sharded, dtype);
        if (sharded) {
          TensorEntry q = Safetensors.readHeader(dir.resolve("model-00001-of-00002.safetensors"),
              LoadOptions.defaults()).tensors().get("model.layers.0.self_attn.q_proj.weight");
          assertEquals(dtype, q.dtype(), "the file really stores " + dtype);
        }
        DecoderModel m = LlamaImport.load(dir);
        assertEquals(DataType.FLOAT, m.dataType());
        assertFalse(m.blocks().stream().anyMatch(b -> b.isMoe()), "imported dense");
        double diff = maxDiff(m, ref, "lm_head.weight", tokens);
        assertTrue(diff < 1e-4, dtype + (sharded ? " sharded" : " single") + ": " + diff);
        // The logits are not trivially small: the comparison means something.
        double[][] ref0 = ref.logits(new int[] {1, 2, 3}, "lm_head.weight");
        assertTrue(Math.abs(ref0[2][0]) + Math.abs(ref0[2][1]) > 0.05);
      }
    }
  }

  @Test
  void theRotateHalfPairingNeedsNoPermutationAndTheTestTellsTheConventionsApart()
      throws IOException {
    Map<String, float[]> w = weights(12, true, false);
    DecoderModel m = LlamaImport.load(write("rope", w, config(false), false, Dtype.F32));
    int[] tokens = tokens(6);
    assertTrue(maxDiff(m, reference(w, false), "lm_head.weight", tokens) < 1e-4);
    double wrong = maxDiff(m, reference(w, true), "lm_head.weight", tokens);
    assertTrue(wrong > 1e-2, "GPT-J interleaved pairing should differ clearly, got " + wrong);
  }

  @Test
  void tiedEmbeddingsCopyTheEmbeddingIntoTheLmHead() throws IOException {
    int[] tokens = tokens(7);
    Map<String, float[]> w = weights(13, false, false);
    DecoderModel m = LlamaImport.load(write("tied", w, config(true), false, Dtype.F32));
    assertTrue(maxDiff(m, reference(w, false), "model.embed_tokens.weight", tokens) < 1e-4);
    // A stored lm_head.weight is ignored when the configuration ties the embeddings.
    Map<String, float[]> withHead = weights(13, true, false);
    DecoderModel m2 = LlamaImport.load(write("tied-head", withHead, config(true), true, Dtype.F32));
    assertTrue(maxDiff(m2, reference(withHead, false), "model.embed_tokens.weight", tokens) < 1e-4);
    assertTrue(maxDiff(m2, reference(withHead, false), "lm_head.weight", tokens) > 1e-2);
  }

  @Test
  void theImportedDecoderIsReadyForUpcycling() throws IOException {
    Map<String, float[]> w = weights(14, true, false);
    Path dir = write("upcycle", w, config(false), true, Dtype.F32);
    DecoderModel evo = LlamaImport.load(dir);
    assertEquals(Set.of(0), evo.config().moeLayers(), "EvoMoE's every-other-layer plan");
    assertEquals(MoeSettings.evoMoe(LlamaImport.DEFAULT_EXPERTS), evo.config().moe());

    // Renormalised top-2 over copies computes the dense function: upcycling keeps the logits.
    DecoderModel m = LlamaImport.load(dir, Set.of(0, 1), MoeSettings.moeLlava(4),
        LoadOptions.defaults());
    int[] tokens = tokens(8);
    double[] dense = m.forward(DecoderInput.text(BATCH, SEQ, tokens)).castTo(DataType.DOUBLE)
        .data().asDouble();
    m.upcycle(new SplittableRandom(3));
    assertEquals(2, m.moeLayers().size());
    assertEquals(4, m.moeLayers().get(0).experts().size());
    double[] moe = m.forward(DecoderInput.text(BATCH, SEQ, tokens)).castTo(DataType.DOUBLE)
        .data().asDouble();
    double worst = 0;
    for (int i = 0; i < dense.length; i++) {
      worst = Math.max(worst, Math.abs(dense[i] - moe[i]));
    }
    assertTrue(worst < 1e-4, "upcycled logits moved by " + worst);
  }

  @Test
  void shardNamesMustBePlainFileNamesInTheSameFolder() throws IOException {
    Map<String, float[]> w = weights(15, true, false);
    Path dir = write("evil", w, config(false), true, Dtype.F32);
    // A valid-looking shard outside the folder: it must not be reachable.
    Files.copy(dir.resolve("model-00002-of-00002.safetensors"), tmp.resolve("outside.safetensors"));
    Path index = dir.resolve("model.safetensors.index.json");
    String good = Files.readString(index);
    for (String bad : new String[] {"../outside.safetensors", "sub/x.safetensors",
        "..\\outside.safetensors", "/tmp/outside.safetensors", "..", ".", ""}) {
      ObjectNode n = (ObjectNode) JSON.readTree(good);
      ((ObjectNode) n.get("weight_map")).put("model.norm.weight", bad);
      Files.writeString(index, n.toString());
      CheckpointFormatException e =
          assertThrows(CheckpointFormatException.class, () -> LlamaImport.load(dir), bad);
      assertEquals(index, e.file());
      assertEquals("model.norm.weight", e.tensor());
      assertTrue(e.getMessage().contains("shard name '" + bad + "'"), e.getMessage());
    }
  }

  @Test
  void missingTensorsAreNamedInSingleAndShardedCheckpoints() throws IOException {
    Map<String, float[]> w = weights(16, true, false);
    w.remove("model.layers.1.mlp.up_proj.weight");
    w.remove("model.norm.weight");
    for (boolean sharded : new boolean[] {false, true}) {
      Path dir = write("missing-" + sharded, w, config(false), sharded, Dtype.F32);
      CheckpointFormatException e =
          assertThrows(CheckpointFormatException.class, () -> LlamaImport.load(dir));
      assertEquals(CheckpointFormatException.Reason.TENSOR_SET_MISMATCH, e.reason());
      assertTrue(e.getMessage().contains(
          "lacks 2 tensor(s) of the LLaMA decoder: [model.layers.1.mlp.up_proj.weight,"
              + " model.norm.weight]"), e.getMessage());
      assertEquals(sharded ? "model.safetensors.index.json" : "model.safetensors",
          e.file().getFileName().toString());
    }
  }

  @Test
  void anIndexEntryWhoseShardLacksTheTensorIsAnError() throws IOException {
    Path dir = write("wrong-shard", weights(17, true, false), config(false), true, Dtype.F32);
    Path index = dir.resolve("model.safetensors.index.json");
    ObjectNode n = (ObjectNode) JSON.readTree(index.toFile());
    ((ObjectNode) n.get("weight_map")).put("model.norm.weight", "model-00001-of-00002.safetensors");
    Files.writeString(index, n.toString());
    CheckpointFormatException e =
        assertThrows(CheckpointFormatException.class, () -> LlamaImport.load(dir));
    assertEquals("model.norm.weight", e.tensor());
    assertTrue(e.getMessage().contains("model-00001-of-00002.safetensors, which does not hold it"),
        e.getMessage());

    ((ObjectNode) n.get("weight_map")).put("model.norm.weight", "model-00003-of-00002.safetensors");
    Files.writeString(index, n.toString());
    NoSuchFileException gone = assertThrows(NoSuchFileException.class, () -> LlamaImport.load(dir));
    assertTrue(gone.getMessage().contains("model-00003-of-00002.safetensors"), gone.getMessage());
  }

  @Test
  void wronglyShapedTensorsAreNamed() throws IOException {
    Map<String, float[]> w = weights(18, true, false);
    Path dir = write("shape", w, config(false), false, Dtype.F32);
    ObjectNode c = config(false);
    c.put("intermediate_size", F + 1);
    Files.writeString(dir.resolve("config.json"), c.toString());
    TensorSetMismatchException e =
        assertThrows(TensorSetMismatchException.class, () -> LlamaImport.load(dir));
    assertEquals(6, e.shapeMismatches().size(), e.getMessage());
    assertTrue(e.shapeMismatches().contains(
        "model.layers.0.mlp.down_proj.weight: expected [16, 25], file has [16, 24]"));
    assertTrue(e.missing().isEmpty() && e.unexpected().isEmpty(), "extras are not errors");
  }

  @Test
  void unsupportedArchitectureOptionsAreRefusedNamingTheField() throws IOException {
    Map<String, float[]> w = weights(19, true, false);
    Path dir = write("options", w, config(false), false, Dtype.F32);
    record Case(String text, Consumer<ObjectNode> edit) {}
    List<Case> cases = List.of(
        new Case("attention_bias is true", c -> c.put("attention_bias", true)),
        new Case("mlp_bias is true", c -> c.put("mlp_bias", true)),
        new Case("hidden_act is \"gelu\"", c -> c.put("hidden_act", "gelu")),
        new Case("rope type \"llama3\"", c -> c.putObject("rope_scaling").put("rope_type", "llama3")),
        new Case("rope type \"linear\"", c -> c.putObject("rope_scaling").put("type", "linear")),
        new Case("head_dim is 8", c -> c.put("head_dim", 8)),
        new Case("dModel 16 is not divisible by numHeads 3", c -> c.put("num_attention_heads", 3)),
        new Case("numKvHeads must be positive and divide numHeads 4, got 3",
            c -> c.put("num_key_value_heads", 3)),
        new Case("hidden_size must be an integer", c -> c.put("hidden_size", "16")),
        new Case("vocab_size is missing", c -> c.remove("vocab_size")),
        new Case("vocab_size must be positive", c -> c.put("vocab_size", 0)));
    for (Case k : cases) {
      ObjectNode c = config(false);
      k.edit().accept(c);
      Files.writeString(dir.resolve("config.json"), c.toString());
      CheckpointFormatException e =
          assertThrows(CheckpointFormatException.class, () -> LlamaImport.load(dir), k.text());
      assertEquals("config.json", e.file().getFileName().toString());
      assertTrue(e.getMessage().contains(k.text()), k.text() + " not in: " + e.getMessage());
    }
  }

  @Test
  void configDefaultsFollowHuggingFace() throws IOException {
    Path file = tmp.resolve("config.json");
    ObjectNode c = JSON.createObjectNode();
    c.put("vocab_size", V);
    c.put("hidden_size", D);
    c.put("intermediate_size", F);
    c.put("num_hidden_layers", LAYERS);
    c.put("num_attention_heads", HEADS);
    c.putNull("num_key_value_heads");
    Files.writeString(file, c.toString());
    assertEquals(new LlamaConfig(V, D, F, LAYERS, HEADS, HEADS, 10000.0, 1e-6, false),
        LlamaConfig.read(file));
    c.putObject("rope_parameters").put("rope_type", "default").put("rope_theta", 5e5);
    c.putObject("rope_scaling").put("rope_type", "default");
    Files.writeString(file, c.toString());
    assertEquals(5e5, LlamaConfig.read(file).ropeTheta());
  }

  @Test
  void aFolderWithoutWeightsIsNamed() throws IOException {
    Path dir = tmp.resolve("empty");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("config.json"), config(false).toString());
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> LlamaImport.load(dir));
    assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    assertTrue(e.getMessage().contains("model.safetensors.index.json"), e.getMessage());
    Files.delete(dir.resolve("config.json"));
    assertThrows(NoSuchFileException.class, () -> LlamaImport.load(dir));
  }
}
