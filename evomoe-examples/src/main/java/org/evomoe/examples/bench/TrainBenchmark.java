package org.evomoe.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.evomoe.checkpoint.AtomicFiles;
import org.evomoe.examples.checkpoint.ModelCheckpoint;
import org.evomoe.examples.checkpoint.ModelSpec;
import org.evomoe.examples.checkpoint.ModelSpecJson;
import org.evomoe.examples.model.DecoderInput;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.pipeline.DemoPipeline;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.moe.MoeLayer;
import org.evomoe.nn.SoftmaxCrossEntropy;
import org.evomoe.optim.AdamW;
import org.evomoe.optim.AdamWConfig;
import org.evomoe.optim.GradientClipping;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.Products;
import org.evomoe.tensor.StepWorkspace;
import org.evomoe.tensor.Threads;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Speed of one training step of the vision-language model: forward, cross-entropy plus the MoE
 * layers' load-balancing loss, backward, clipping to a global norm of 1 and AdamW, with the
 * demo's trainable set (decoder and projector; the vision encoder frozen). The batch is synthetic:
 * every sequence starts with an image, then random tokens, each text position predicting the next.
 * {@code src-test-data/golden/bench_torch.py train} runs the same work in PyTorch.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Milliseconds and tokens/s of one training step of a model (the demo's by default).")
public final class TrainBenchmark implements Callable<Integer> {
  /** The clipping norm of the demo's stages. */
  static final double MAX_GRAD_NORM = 1.0;

  @Option(names = "--config", description = "A model folder's config.json (default: the demo model).")
  Path config;

  @Option(names = "--batch", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
  int batch = 32;

  @Option(names = "--seq", description = "Positions per sequence, image rows included (default: ${DEFAULT-VALUE}).")
  int seq = 34;

  @Option(names = "--threads", description = "CPU threads (default: number of cores).")
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(names = "--warmup", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
  int warmup = 10;

  @Option(names = "--steps", description = "Timed steps (default: ${DEFAULT-VALUE}).")
  int steps = 30;

  @Option(names = "--count-ops", description = "Also count the ND4J operations of one step (profiling on for that step only), then run --count-steps more steps counting the matrix products: calls, the calling thread's CPU time inside them and for the whole step (medians per step). With --threads 1 ND4J, OpenBLAS and the Java kernels all run on the calling thread, so these CPU times are exact; with more threads the other threads' work is missing from them.")
  boolean countOps;

  @Option(names = "--count-steps", description = "Steps run after the timed ones with the products counted, with --count-ops (default: ${DEFAULT-VALUE}).")
  int countSteps = 10;

  @Option(names = "--write-config", description = "Write the config.json of the benchmarked model to this file (for bench_torch.py).")
  Path writeConfig;

  @Option(names = "--rss-every", description = "Also print the process's RSS (a JSON line) after the first step and every N steps, warm-up included (default: off).")
  int rssEvery;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (batch < 1 || steps < 1 || warmup < 0 || threads < 1 || rssEvery < 0 || countSteps < 1) {
      throw new IllegalArgumentException("--batch, --steps, --threads and --count-steps must be"
          + " >= 1, --warmup and --rss-every >= 0");
    }
    Threads.set(threads);
    VisionLanguageModel model;
    ModelSpec spec;
    if (config == null) {
      DemoPipeline demo = new DemoPipeline(DemoSettings.defaults(false));
      model = demo.newModel(demo.baseMoe());
      for (MoeLayer m : model.moeLayers()) {
        m.forceExpert(-1); // routed, as the arms after Stage I train
      }
      spec = ModelSpec.of(model);
    } else {
      spec = ModelSpecJson.read(config);
      model = ModelCheckpoint.newModel(spec, DataType.FLOAT, new SplittableRandom(1));
    }
    int p = model.vision().tokensPerImage();
    if (seq <= p + 1) {
      throw new IllegalArgumentException("--seq must exceed the image's " + p
          + " rows by at least 2, got " + seq);
    }
    if (writeConfig != null) {
      AtomicFiles.writeBytes(writeConfig, new ObjectMapper().writerWithDefaultPrettyPrinter()
          .writeValueAsString(ModelSpecJson.toJson(spec)).getBytes(StandardCharsets.UTF_8));
    }
    ObjectMapper om = new ObjectMapper();
    java.util.function.Consumer<RssSample> rss = rssEvery == 0 ? null : sample -> {
      try {
        System.out.println(om.writeValueAsString(sample));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    };
    TrainBenchResult r =
        run(model, batch, seq, threads, warmup, steps, countOps ? countSteps : 0, rssEvery, rss);
    if (json) {
      System.out.println(om.writeValueAsString(r));
    } else {
      System.out.println(om.writerWithDefaultPrettyPrinter().writeValueAsString(r));
    }
    return 0;
  }

  /**
   * Times {@code steps} training steps of {@code model} after {@code warmup} untimed ones; with
   * {@code countSteps > 0}, then counts the ND4J operations of one step and the products of
   * {@code countSteps} more. With {@code rssEvery > 0}, {@code rss} receives the process's RSS
   * after the first step and after every {@code rssEvery}-th step (warm-up steps counted).
   */
  static TrainBenchResult run(VisionLanguageModel model, int batch, int seq, int threads,
      int warmup, int steps, int countSteps, int rssEvery,
      java.util.function.Consumer<RssSample> rss) {
    for (Parameter v : model.visionParameters()) {
      v.setTrainable(false);
    }
    List<Parameter> trainable = new ArrayList<>();
    long trainableParams = 0;
    for (Parameter q : model.parameters()) {
      if (q.trainable()) {
        trainable.add(q);
        trainableParams += q.length();
      }
    }
    AdamW opt = new AdamW(AdamWConfig.withDefaults(1e-3, 0.0), trainable);
    opt.zeroGrad();
    SyntheticBatch data = SyntheticBatch.of(model, batch, seq, new SplittableRandom(7));
    double[][] phases = new double[3][steps];
    double[] total = new double[steps];
    long start = System.nanoTime();
    for (int i = 0; i < warmup + steps; i++) {
      double[] t = step(model, data, trainable, opt);
      if (rssEvery > 0 && (i == 0 || (i + 1) % rssEvery == 0)) {
        rss.accept(RssSample.now("train-rss", i + 1, (System.nanoTime() - start) / 1e9));
      }
      if (i >= warmup) {
        int j = i - warmup;
        phases[0][j] = t[0];
        phases[1][j] = t[1];
        phases[2][j] = t[2];
        total[j] = t[0] + t[1] + t[2];
      }
    }
    long ops = -1;
    ProductShare products = ProductShare.NOT_COUNTED;
    if (countSteps > 0) {
      OpExecutioner ex = Nd4j.getExecutioner();
      OpProfiler.getInstance().reset();
      ex.setProfilingMode(OpExecutioner.ProfilingMode.OPERATIONS);
      try {
        step(model, data, trainable, opt);
      } finally {
        ex.setProfilingMode(OpExecutioner.ProfilingMode.DISABLED);
      }
      ops = OpProfiler.getInstance().getInvocationsCount();
      long[] calls = new long[countSteps];
      long[] productCpu = new long[countSteps];
      long[] stepCpu = new long[countSteps];
      for (int i = 0; i < countSteps; i++) {
        long c0 = ProductShare.threadCpuNanos();
        try (Products.Count count = Products.count()) {
          step(model, data, trainable, opt);
          calls[i] = count.calls();
          productCpu[i] = count.cpuNanos();
        }
        stepCpu[i] = ProductShare.threadCpuNanos() - c0;
      }
      products = ProductShare.medians(calls, productCpu, stepCpu);
    }
    double median = median(total);
    double min = Arrays.stream(total).min().orElseThrow();
    return new TrainBenchResult("train", threads, batch, seq, trainableParams, steps, warmup,
        MoeBenchmark.round(median), MoeBenchmark.round(min),
        MoeBenchmark.round(batch * (double) seq / median * 1000.0),
        MoeBenchmark.round(median(phases[0])), MoeBenchmark.round(median(phases[1])),
        MoeBenchmark.round(median(phases[2])), ops, products.productCallsPerStep(),
        products.productCpuMsPerStep(), products.stepCpuMs());
  }

  /** One step; returns the milliseconds of forward+loss, backward and the optimiser. */
  private static double[] step(VisionLanguageModel model, SyntheticBatch data,
      List<Parameter> trainable, AdamW opt) {
    long t0;
    long t1;
    long t2;
    try (MemoryWorkspace ignored = StepWorkspace.open("bench-train")) {
      t0 = System.nanoTime();
      DecoderInput in = model.input(data.pixels(), data.withImage(), data.batch(), data.seq(),
          data.tokens());
      INDArray logits = model.forward(in);
      SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
      double loss = ce.forward(logits, data.targets()) + model.auxLoss();
      if (!Double.isFinite(loss)) {
        throw new IllegalStateException("the loss is " + loss);
      }
      t1 = System.nanoTime();
      model.backward(ce.backward());
      t2 = System.nanoTime();
    }
    GradientClipping.clipByGlobalNorm(trainable, MAX_GRAD_NORM);
    opt.step();
    opt.zeroGrad();
    long t3 = System.nanoTime();
    return new double[] {(t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6};
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}
