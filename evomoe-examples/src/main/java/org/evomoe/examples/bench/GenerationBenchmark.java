package org.evomoe.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.evomoe.examples.model.DecoderInput;
import org.evomoe.examples.model.DecoderModel;
import org.evomoe.examples.model.GenerationResult;
import org.evomoe.examples.model.Generator;
import org.evomoe.examples.model.ModelConfig;
import org.evomoe.examples.model.MoeSettings;
import org.evomoe.examples.model.SamplingConfig;
import org.evomoe.tensor.StepWorkspace;
import org.evomoe.tensor.Threads;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Inference speed of the example decoder: greedy generation with the KV cache against re-encoding
 * the whole sequence for every new token, in the same run.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Tokens/s of greedy decoding with the KV cache vs re-encoding the sequence.")
public final class GenerationBenchmark implements Callable<Integer> {
  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Option(names = "--threads", description = "CPU threads (default: number of cores).")
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(names = "--batch", description = "Sequences decoded together (default: ${DEFAULT-VALUE}).")
  int batch = 4;

  @Option(names = "--prompt", description = "Prompt length (default: ${DEFAULT-VALUE}).")
  int prompt = 32;

  @Option(names = "--new-tokens", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
  int newTokens = 64;

  @Option(names = "--d-model", description = "Model width (default: ${DEFAULT-VALUE}).")
  int dModel = 256;

  @Option(names = "--layers", description = "Decoder layers, MoE (top-1 of 4) on even ones (default: ${DEFAULT-VALUE}).")
  int layers = 4;

  @Option(names = "--vocab", description = "Vocabulary size (default: ${DEFAULT-VALUE}).")
  int vocab = 2000;

  @Override
  public Integer call() throws Exception {
    if (batch < 1 || prompt < 1 || newTokens < 1) {
      throw new IllegalArgumentException("--batch, --prompt and --new-tokens must be >= 1");
    }
    Threads.set(threads);
    ModelConfig cfg = new ModelConfig(vocab, dModel, layers, 8, 4, dModel * 11 / 4, 10000.0, 1e-5,
        ModelConfig.everyOtherLayer(layers), MoeSettings.evoMoe(4));
    DecoderModel model = DecoderModel.create(cfg, DataType.FLOAT, new SplittableRandom(1));
    for (var moe : model.moeLayers()) {
      moe.forceExpert(-1);
    }
    SplittableRandom rng = new SplittableRandom(2);
    int[] tokens = new int[batch * prompt];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = rng.nextInt(vocab);
    }
    DecoderInput in = DecoderInput.text(batch, prompt, tokens);
    Generator gen = new Generator(model);
    gen.generate(in, 4, SamplingConfig.greedy(), -1); // warm-up
    long t0 = System.nanoTime();
    GenerationResult cached = gen.generate(in, newTokens, SamplingConfig.greedy(), -1);
    double cachedS = (System.nanoTime() - t0) / 1e9;

    // Re-encode prompt + generated tokens for every new token (no cache), same greedy choices.
    long t1 = System.nanoTime();
    int len = prompt;
    int[] seq = tokens.clone();
    for (int step = 0; step < newTokens; step++) {
      int[] next = new int[batch * (len + 1)];
      try (MemoryWorkspace ignored = StepWorkspace.open("bench-generate")) {
        var logits = model.forward(DecoderInput.text(batch, len, seq));
        int[] argmax = logits.argMax(1).toIntVector();
        for (int b = 0; b < batch; b++) {
          System.arraycopy(seq, b * len, next, b * (len + 1), len);
          next[b * (len + 1) + len] = argmax[b * len + len - 1];
        }
      }
      seq = next;
      len++;
    }
    double recomputeS = (System.nanoTime() - t1) / 1e9;
    boolean same = true;
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < newTokens; i++) {
        same &= cached.tokens(b)[i] == seq[b * len + prompt + i];
      }
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("bench", "generate");
    r.put("threads", threads);
    r.put("dModel", dModel);
    r.put("layers", layers);
    r.put("batch", batch);
    r.put("promptLen", prompt);
    r.put("newTokens", newTokens);
    r.put("cachedTokensPerSecond", MoeBenchmark.round(batch * newTokens / cachedS));
    r.put("recomputeTokensPerSecond", MoeBenchmark.round(batch * newTokens / recomputeS));
    r.put("speedup", MoeBenchmark.round(recomputeS / cachedS));
    r.put("sameTokens", same);
    if (json) {
      System.out.println(new ObjectMapper().writeValueAsString(r));
    } else {
      r.forEach((k, v) -> System.out.println(k + ": " + v));
    }
    return same ? 0 : 1;
  }

}
