package org.evomoe.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.Upcycling;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.LinearRouter;
import org.evomoe.router.Modality;
import org.evomoe.tensor.Init;
import org.evomoe.tensor.Products;
import org.evomoe.tensor.Threads;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Sparse MoE forward+backward against a dense SwiGLU FFN with the same active FLOPs (hidden width
 * k * dHidden), measured in the same run, plus ND4J's gemm peak on a large square product.
 */
@Command(
    name = "moe",
    mixinStandardHelpOptions = true,
    description = "Time MoeLayer forward+backward vs a dense FFN of equal active FLOPs.")
public final class MoeBenchmark implements Callable<Integer> {
  @Option(names = "--json", description = "Print one JSON object per case.")
  boolean json;

  @Option(names = "--threads", description = "CPU threads for ND4J and Java kernels (default: ${DEFAULT-VALUE}).")
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(names = "--tokens", split = ",", description = "Token counts (default: 256,1024,4096).")
  int[] tokens = {256, 1024, 4096};

  @Option(names = "--top-k", split = ",", description = "Top-k values, of --experts (default: 1,2).")
  int[] topK = {1, 2};

  @Option(names = "--experts", description = "Experts (default: ${DEFAULT-VALUE}).")
  int experts = 4;

  @Option(names = "--shapes", split = ",",
      description = "dModel x dHidden pairs (default: 512x1408,256x704).")
  String[] shapes = {"512x1408", "256x704"};

  @Option(names = "--reps", description = "Timed repetitions per measurement (default: ${DEFAULT-VALUE}).")
  int reps = 5;

  @Option(names = "--warmup", description = "Untimed warm-up runs (default: ${DEFAULT-VALUE}).")
  int warmup = 2;

  @Option(names = "--peak-size", description = "Side of the square gemm that measures the peak (default: ${DEFAULT-VALUE}).")
  int peakSize = 2048;

  @Option(names = "--seed", description = "Weight and input seed (default: ${DEFAULT-VALUE}).")
  long seed = 1;

  @Option(names = "--interleaved",
      description = "Time the layer and the dense FFN interleaved rep by rep, and add on Linux the "
          + "process CPU time per run (moeCpuMs, denseCpuMs, cpuRatio).")
  boolean interleaved;

  @Override
  public Integer call() throws Exception {
    if (reps < 1 || warmup < 0 || peakSize < 1) {
      throw new IllegalArgumentException("--reps and --peak-size must be >= 1 and --warmup >= 0");
    }
    Threads.set(threads);
    ObjectMapper om = new ObjectMapper();
    double peak = gemmPeakGflops(peakSize);
    if (!json) {
      System.out.printf(Locale.ROOT, "gemm peak (%d^3, %d threads): %.1f GFLOP/s%n", peakSize, threads, peak);
      System.out.printf("%7s %6s %7s %7s %4s %9s %9s %6s %7s %6s%n",
          "tokens", "dModel", "dHidden", "experts", "topK", "moeMs", "denseMs", "ratio", "gflops", "%peak");
    }
    for (String shape : shapes) {
      String[] dh = shape.toLowerCase(Locale.ROOT).split("x");
      if (dh.length != 2) {
        throw new IllegalArgumentException("--shapes entries must look like 512x1408, got " + shape);
      }
      int d = Integer.parseInt(dh[0].trim());
      int h = Integer.parseInt(dh[1].trim());
      for (int k : topK) {
        for (int t : tokens) {
          MoeBenchResult r = runCase(t, d, h, experts, k, peak);
          if (json) {
            System.out.println(om.writeValueAsString(r));
          } else {
            System.out.printf(Locale.ROOT, "%7d %6d %7d %7d %4d %9.2f %9.2f %6.3f %7.1f %5.0f%%%n",
                t, d, h, experts, k, r.moeMs(), r.denseMs(), r.ratio(), r.gflops(),
                100 * r.peakFraction());
          }
          System.out.flush();
        }
      }
    }
    return 0;
  }

  private MoeBenchResult runCase(int t, int d, int h, int e, int k, double peak) {
    SplittableRandom rng = new SplittableRandom(seed);
    DataType f = DataType.FLOAT;
    SwiGluFfn seedFfn = new SwiGluFfn("mlp", d, h, f, rng);
    MoeConfig cfg = MoeConfig.of(d, h, e, k, 0.01);
    LinearRouter router = new LinearRouter("mlp.gate", d, e, f, rng);
    MoeLayer moe = Upcycling.fromDense(seedFfn, cfg, router, "mlp");
    // Distinct experts, so that nothing is accidentally shared.
    for (SwiGluFfn ex : moe.experts()) {
      ex.gate().value().addi(Init.normal(rng, 0.01, f, h, d));
    }
    SwiGluFfn dense = new SwiGluFfn("dense", d, k * h, f, rng);
    INDArray x = Init.normal(rng, 1.0, f, t, d);
    INDArray dy = Init.normal(rng, 1.0, f, t, d);
    Modality[] tags = Modality.all(t, Modality.TEXT);

    Runnable moeStep = () -> {
      moe.forward(x, tags);
      moe.backward(dy);
    };
    Runnable denseStep = () -> {
      dense.forward(x);
      dense.backward(dy);
    };
    double moeMs;
    double denseMs;
    double[] cpuMs = null; // process CPU per run: MoE, dense
    if (interleaved) {
      Timer.Interleaved ms = Timer.interleavedMedianMs(warmup, reps, List.of(
          new Timer.Case("bench-moe", moeStep),
          new Timer.Case("bench-dense", denseStep)));
      moeMs = ms.wallMs()[0];
      denseMs = ms.wallMs()[1];
      cpuMs = ms.cpuMs();
    } else {
      moeMs = Timer.medianMs("bench-moe", warmup, reps, moeStep);
      denseMs = Timer.medianMs("bench-dense", warmup, reps, denseStep);
    }
    double moeFwdMs = Timer.medianMs("bench-moe", 1, reps, () -> moe.forward(x, tags));
    double denseFwdMs = Timer.medianMs("bench-dense", 1, reps, () -> dense.forward(x));
    int[] perExpert = moe.lastRouting().tokensPerExpert();
    moe.zeroGrad();
    dense.zeroGrad();

    // Forward 3 gemms (6 T k d h flops) + backward 6 gemms (12 T k d h) + router (2 T d E, x3).
    double flops = 18.0 * t * k * d * h + 6.0 * t * d * e;
    Double moeCpu = null;
    Double denseCpu = null;
    Double cpuRatio = null;
    if (interleaved && !Double.isNaN(cpuMs[0])) {
      moeCpu = round(cpuMs[0]);
      denseCpu = round(cpuMs[1]);
      if (cpuMs[1] > 0) { // CPU time counts in clock ticks (10 ms): tiny runs can read 0
        cpuRatio = round(cpuMs[0] / cpuMs[1]);
      }
    }
    double gflops = round(flops / (moeMs * 1e6));
    List<Integer> counts = new ArrayList<>();
    for (int c : perExpert) {
      counts.add(c);
    }
    return new MoeBenchResult("moe", t, d, h, e, k, threads, "float32", round(moeMs),
        round(denseMs), round(moeMs / denseMs), moeCpu, denseCpu, cpuRatio, gflops, round(moeFwdMs),
        round(denseFwdMs), round(moeFwdMs / denseFwdMs), counts, round(peak),
        round(gflops / peak));
  }

  /** ND4J float gemm on an n x n x n product into a preallocated output. */
  static double gemmPeakGflops(int n) {
    SplittableRandom rng = new SplittableRandom(7);
    INDArray a = Init.normal(rng, 1.0, DataType.FLOAT, n, n);
    INDArray b = Init.normal(rng, 1.0, DataType.FLOAT, n, n);
    INDArray c = Nd4j.createUninitialized(DataType.FLOAT, n, n);
    double ms = Timer.medianMs("bench-gemm", 1, 5, () -> Products.gemm(a, b, c, false, false, 1.0, 0.0));
    return 2.0 * n * n * n / (ms * 1e6);
  }

  static double round(double v) {
    return Math.round(v * 1000.0) / 1000.0;
  }
}
