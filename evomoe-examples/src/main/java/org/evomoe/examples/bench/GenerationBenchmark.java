package org.evomoe.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.evomoe.examples.model.DecoderInput;
import org.evomoe.examples.model.DecoderModel;
import org.evomoe.examples.model.GenerationResult;
import org.evomoe.examples.model.Generator;
import org.evomoe.examples.model.ModelConfig;
import org.evomoe.examples.model.MoeSettings;
import org.evomoe.examples.model.SamplingConfig;
import org.evomoe.tensor.Products;
import org.evomoe.tensor.StepWorkspace;
import org.evomoe.tensor.Threads;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Inference speed of the example decoder: greedy generation with the KV cache against re-encoding
 * the whole sequence for every new token, in the same run: after {@code --warmup} untimed runs of
 * each, {@code --reps} timed runs of each, alternated, and the medians reported.
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

  @Option(names = "--reps", description = "Timed repetitions of each way, interleaved; the median is reported (default: ${DEFAULT-VALUE}).")
  int reps = 3;

  @Option(names = "--warmup", description = "Untimed runs of each way first (default: ${DEFAULT-VALUE}).")
  int warmup = 2;

  @Option(names = "--rss-every", description = "Instead of timing: one cached generation of --new-tokens tokens, printing the process's RSS (a JSON line) after the first token and every N tokens (default: off).")
  int rssEvery;

  @Option(names = "--count-ops", description = "After the timed runs, one more cached generation counting the matrix products of every decoding step after the prompt (one new token per sequence): calls, the calling thread's CPU time inside them and for the whole step (medians per step). With --threads 1 ND4J, OpenBLAS and the Java kernels all run on the calling thread, so these CPU times are exact; with more threads the other threads' work is missing from them. Needs --new-tokens >= 2.")
  boolean countOps;

  @Override
  public Integer call() throws Exception {
    if (batch < 1 || prompt < 1 || newTokens < 1 || reps < 1 || warmup < 0 || rssEvery < 0) {
      throw new IllegalArgumentException(
          "--batch, --prompt, --new-tokens and --reps must be >= 1, --warmup and --rss-every >= 0");
    }
    if (countOps && newTokens < 2) {
      throw new IllegalArgumentException("--count-ops counts the decoding steps after the first"
          + " token: --new-tokens must be >= 2, got " + newTokens);
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
    if (rssEvery > 0) {
      ObjectMapper om = new ObjectMapper();
      long start = System.nanoTime();
      gen.generate(in, newTokens, SamplingConfig.greedy(), -1, step -> {
        if (step == 1 || step % rssEvery == 0) {
          try {
            System.out.println(om.writeValueAsString(
                RssSample.now("generate-rss", step, (System.nanoTime() - start) / 1e9)));
          } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
          }
        }
      });
      return 0;
    }
    double[] cachedS = new double[reps];
    double[] recomputeS = new double[reps];
    boolean same = true;
    for (int i = 0; i < warmup + reps; i++) {
      long t0 = System.nanoTime();
      GenerationResult cached = gen.generate(in, newTokens, SamplingConfig.greedy(), -1);
      long t1 = System.nanoTime();
      int[] seq = recompute(model, tokens);
      long t2 = System.nanoTime();
      if (i >= warmup) {
        cachedS[i - warmup] = (t1 - t0) / 1e9;
        recomputeS[i - warmup] = (t2 - t1) / 1e9;
      }
      int len = prompt + newTokens;
      for (int b = 0; b < batch; b++) {
        for (int j = 0; j < newTokens; j++) {
          same &= cached.tokens(b)[j] == seq[b * len + prompt + j];
        }
      }
    }
    ProductShare products = countOps ? countDecodingSteps(gen, in) : ProductShare.NOT_COUNTED;
    double cached = TrainBenchmark.median(cachedS);
    double recomputed = TrainBenchmark.median(recomputeS);
    GenerateBenchResult r = new GenerateBenchResult("generate", threads, dModel, layers, batch,
        prompt, newTokens, reps, warmup,
        MoeBenchmark.round(batch * newTokens / cached),
        MoeBenchmark.round(batch * newTokens / recomputed),
        MoeBenchmark.round(recomputed / cached), same, products.productCallsPerStep(),
        products.productCpuMsPerStep(), products.stepCpuMs());
    ObjectMapper om = new ObjectMapper();
    if (json) {
      System.out.println(om.writeValueAsString(r));
    } else {
      System.out.println(om.writerWithDefaultPrettyPrinter().writeValueAsString(r));
    }
    return same ? 0 : 1;
  }

  /**
   * One cached greedy generation with the products counted; per decoding step after the first
   * (the prompt's), the products' calls and CPU time and the step's CPU time on this thread, taken
   * between consecutive calls of the generator's after-step hook.
   */
  private ProductShare countDecodingSteps(Generator gen, DecoderInput in) {
    int n = newTokens - 1;
    long[] calls = new long[n];
    long[] productCpu = new long[n];
    long[] stepCpu = new long[n];
    long[] previous = new long[3]; // calls, product CPU, thread CPU at the last hook
    try (Products.Count count = Products.count()) {
      gen.generate(in, newTokens, SamplingConfig.greedy(), -1, step -> {
        long now = ProductShare.threadCpuNanos();
        if (step >= 2) {
          calls[step - 2] = count.calls() - previous[0];
          productCpu[step - 2] = count.cpuNanos() - previous[1];
          stepCpu[step - 2] = now - previous[2];
        }
        previous[0] = count.calls();
        previous[1] = count.cpuNanos();
        previous[2] = now;
      });
    }
    return ProductShare.medians(calls, productCpu, stepCpu);
  }

  /**
   * Greedy decoding by re-encoding prompt + generated tokens for every new token (no cache).
   *
   * @return [B * (prompt + newTokens)] the prompts followed by the generated tokens
   */
  private int[] recompute(DecoderModel model, int[] tokens) {
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
    return seq;
  }

}
