package org.evomoe.examples.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.evomoe.checkpoint.CheckpointFormatException;
import org.evomoe.checkpoint.CheckpointFormatException.Reason;
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
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports a dense LLaMA-architecture checkpoint in the Hugging Face layout into the example
 * decoder ({@link DecoderModel}, float32, every FFN dense), ready for {@link DecoderModel#upcycle}
 * and the EvoMoE stages.
 *
 * <p>The folder holds config.json ({@link LlamaConfig}) and the weights, either in one {@code
 * model.safetensors} or sharded: {@code model.safetensors.index.json} ({@link ShardIndex}) naming
 * the shard of every tensor. Tensors may be F32, F16 or BF16 (converted to float32). The names are
 * the decoder's own: {@code model.embed_tokens.weight [V, d]}, per layer {@code
 * model.layers.{i}.input_layernorm.weight}, {@code self_attn.{q,k,v,o}_proj.weight} ({@code [out,
 * in]} as PyTorch stores them), {@code post_attention_layernorm.weight}, {@code
 * mlp.{gate,up,down}_proj.weight}, then {@code model.norm.weight} and {@code lm_head.weight}.
 *
 * <p>No weight is permuted: Hugging Face's q_proj and k_proj are already laid out for its
 * {@code rotate_half} RoPE (dimension i paired with i + d_head/2), which is the convention of
 * {@code RotaryEmbedding}. With {@code tie_word_embeddings} the LM head is a copy of the
 * embedding (untied from then on) and a stored {@code lm_head.weight} is ignored.
 *
 * <p>Tensors the decoder does not use (for example {@code rotary_emb.inv_freq} buffers) are
 * ignored with a warning; missing or differently shaped ones are an error naming them.
 */
public final class LlamaImport {
  private static final Logger LOG = LoggerFactory.getLogger(LlamaImport.class);
  private static final String CONFIG_FILE = "config.json";
  private static final String SINGLE_FILE = "model.safetensors";
  private static final String LM_HEAD = "lm_head.weight";
  private static final String EMBED = "model.embed_tokens.weight";
  /** EvoMoE's experts per MoE layer (top-1 of 4). */
  public static final int DEFAULT_EXPERTS = 4;

  private LlamaImport() {}

  /**
   * Imports with EvoMoE's MoE plan: every other layer (0, 2, 4, ...) becomes a MoE of {@link
   * #DEFAULT_EXPERTS} experts, top-1 with the DTR, when the model is upcycled
   * ({@link MoeSettings#evoMoe}), and the default load options.
   */
  public static DecoderModel load(Path dir) throws IOException {
    LlamaConfig c = LlamaConfig.read(dir.resolve(CONFIG_FILE));
    return load(dir, ModelConfig.everyOtherLayer(c.numLayers()),
        MoeSettings.evoMoe(DEFAULT_EXPERTS), LoadOptions.defaults());
  }

  /**
   * Imports a LLaMA checkpoint folder.
   *
   * @param moeLayers the layers a later {@link DecoderModel#upcycle} turns into MoEs (stored in
   *     the returned model's configuration; may be empty)
   * @param moe the MoE settings of those layers
   * @param options how strictly the safetensors files are read
   * @return a dense float32 decoder holding the checkpoint's weights
   * @throws NoSuchFileException when config.json or both weight layouts are missing, naming them
   * @throws CheckpointFormatException naming the file (and tensor) for invalid JSON, an
   *     unsupported configuration, a shard name that is not a plain file name, a tensor the
   *     index assigns to a shard that lacks it, missing tensors (all named) or damaged data
   * @throws TensorSetMismatchException naming every differently shaped tensor of a file
   */
  public static DecoderModel load(
      Path dir, Set<Integer> moeLayers, MoeSettings moe, LoadOptions options) throws IOException {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(options, "options");
    Path configFile = dir.resolve(CONFIG_FILE);
    LlamaConfig llama = LlamaConfig.read(configFile);
    ModelConfig config;
    try {
      config = llama.toModelConfig(moeLayers, moe);
    } catch (IllegalArgumentException e) {
      throw new CheckpointFormatException(Reason.MALFORMED_HEADER, configFile, null, 0,
          "the decoder cannot represent this model: " + e.getMessage(), e);
    }
    Map<String, long[]> expected = new LinkedHashMap<>(ModelLayout.denseDecoderShapes(config));
    if (llama.tieWordEmbeddings()) {
      expected.remove(LM_HEAD);
    }

    // Where each tensor lies: file -> header, and tensor name -> file.
    Map<Path, SafetensorsHeader> headers = new LinkedHashMap<>();
    Map<String, Path> location = new TreeMap<>();
    Path single = dir.resolve(SINGLE_FILE);
    Path indexFile = dir.resolve(ShardIndex.FILE_NAME);
    List<String> ignored = new ArrayList<>();
    if (Files.exists(single)) {
      SafetensorsHeader h = Safetensors.readHeader(single, options);
      headers.put(single, h);
      h.tensors().keySet().forEach(name -> location.put(name, single));
    } else if (Files.exists(indexFile)) {
      ShardIndex index = ShardIndex.read(indexFile);
      for (String shard : index.shards()) {
        Path p = index.shardPath(shard);
        headers.put(p, Safetensors.readHeader(p, options));
      }
      for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
        Path p = index.shardPath(e.getValue());
        if (!headers.get(p).tensors().containsKey(e.getKey())) {
          throw new CheckpointFormatException(Reason.TENSOR_SET_MISMATCH, indexFile, e.getKey(), 0,
              "the index assigns the tensor to shard " + e.getValue() + ", which does not hold it");
        }
        location.put(e.getKey(), p);
      }
      for (Map.Entry<Path, SafetensorsHeader> e : headers.entrySet()) {
        for (String name : e.getValue().tensors().keySet()) {
          if (!e.getKey().equals(location.get(name))) {
            ignored.add(name + " (in " + e.getKey().getFileName() + ", not assigned there by the"
                + " index)");
          }
        }
      }
    } else {
      throw new NoSuchFileException(single.toString(), indexFile.toString(),
          "no weights: neither " + SINGLE_FILE + " nor " + ShardIndex.FILE_NAME + " exists");
    }

    checkTensors(expected, location, headers, single, indexFile);
    for (String name : location.keySet()) {
      if (!expected.containsKey(name)) {
        ignored.add(name);
      }
    }
    if (!ignored.isEmpty()) {
      LOG.warn("{}: ignoring {} tensor(s) the decoder does not use: {}", dir, ignored.size(),
          ignored.size() <= 20 ? ignored : ignored.subList(0, 20) + " ...");
    }

    DecoderModel model = DecoderModel.createDense(config, DataType.FLOAT, new SplittableRandom(0));
    Map<String, Parameter> params = new HashMap<>();
    for (Parameter p : model.parameters()) {
      params.put(p.name(), p);
    }
    for (Path file : headers.keySet()) {
      if (expected.keySet().stream().noneMatch(n -> file.equals(location.get(n)))) {
        continue;
      }
      SafetensorsFile data = Safetensors.read(file, options);
      for (String name : expected.keySet()) {
        if (!file.equals(location.get(name))) {
          continue;
        }
        Tensor t = data.tensor(name);
        assign(params.get(name), t);
        if (llama.tieWordEmbeddings() && name.equals(EMBED)) {
          assign(params.get(LM_HEAD), t);
        }
      }
    }
    return model;
  }

  /**
   * Throws naming every expected tensor that no file holds, then every differently shaped one
   * (file by file); tensors not expected are not checked here.
   */
  private static void checkTensors(Map<String, long[]> expected, Map<String, Path> location,
      Map<Path, SafetensorsHeader> headers, Path single, Path indexFile)
      throws CheckpointFormatException {
    Set<String> missing = new TreeSet<>();
    for (String name : expected.keySet()) {
      if (!location.containsKey(name)) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      boolean sharded = !headers.containsKey(single);
      throw new CheckpointFormatException(Reason.TENSOR_SET_MISMATCH,
          sharded ? indexFile : single, missing.iterator().next(), 0,
          "the checkpoint lacks " + missing.size() + " tensor(s) of the LLaMA decoder: " + missing);
    }
    for (Map.Entry<Path, SafetensorsHeader> e : headers.entrySet()) {
      SafetensorsHeader h = e.getValue();
      Map<String, TensorEntry> mine = new HashMap<>();
      Map<String, long[]> shapes = new HashMap<>();
      for (Map.Entry<String, long[]> x : expected.entrySet()) {
        if (e.getKey().equals(location.get(x.getKey()))) {
          mine.put(x.getKey(), h.tensors().get(x.getKey()));
          shapes.put(x.getKey(), x.getValue());
        }
      }
      // The file restricted to the tensors it contributes: only shape mismatches can remain.
      new SafetensorsHeader(h.file(), h.headerLength(), h.metadata(), mine).checkTensors(shapes);
    }
  }

  private static void assign(Parameter p, Tensor t) {
    INDArray a = t.toINDArray();
    p.value().assign(a);
    a.close();
  }
}
