package org.evomoe.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.Pointer;
import org.evomoe.examples.proc.ProcStatus;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.LinearRouter;
import org.evomoe.router.Modality;
import org.evomoe.router.RouterKind;
import org.evomoe.tensor.Init;
import org.evomoe.tensor.StepWorkspace;
import org.evomoe.tensor.Threads;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Process RSS over many MoE forward+backward steps: it must stay flat. */
@Command(
    name = "memory",
    mixinStandardHelpOptions = true,
    description = "Print process RSS every N steps of MoeLayer forward+backward.")
public final class MemoryBenchmark implements Callable<Integer> {
  @Option(names = "--steps", description = "Steps (default: ${DEFAULT-VALUE}).")
  int steps = 1000;

  @Option(names = "--every", description = "Report interval in steps (default: ${DEFAULT-VALUE}).")
  int every = 100;

  @Option(names = "--tokens", description = "Tokens per step (default: ${DEFAULT-VALUE}).")
  int tokens = 1024;

  @Option(names = "--d-model", description = "Model width (default: ${DEFAULT-VALUE}).")
  int dModel = 256;

  @Option(names = "--d-hidden", description = "Expert hidden width (default: ${DEFAULT-VALUE}).")
  int dHidden = 704;

  @Option(names = "--threads", description = "CPU threads (default: ${DEFAULT-VALUE}).")
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(names = "--no-workspace", description = "Run without the step workspace (for comparison).")
  boolean noWorkspace;

  @Override
  public Integer call() throws IOException {
    if (steps < 1 || every < 1) {
      throw new IllegalArgumentException("--steps and --every must be >= 1");
    }
    Threads.set(threads);
    SplittableRandom rng = new SplittableRandom(1);
    DataType f = DataType.FLOAT;
    MoeConfig cfg = new MoeConfig(dModel, dHidden, 4,
        new RoutingConfig(2, false, 0.01, 0.001, RouterKind.LINEAR));
    java.util.List<SwiGluFfn> experts = new java.util.ArrayList<>();
    for (int e = 0; e < 4; e++) {
      experts.add(new SwiGluFfn("mlp.experts." + e, dModel, dHidden, f, rng));
    }
    MoeLayer moe = new MoeLayer(cfg, new LinearRouter("mlp.gate", dModel, 4, f, rng), experts);
    INDArray x = Init.normal(rng, 1.0, f, tokens, dModel);
    INDArray dy = Init.normal(rng, 1.0, f, tokens, dModel);
    Modality[] tags = Modality.all(tokens, Modality.TEXT);
    ObjectMapper om = new ObjectMapper();
    long t0 = System.nanoTime();
    for (int step = 1; step <= steps; step++) {
      double scale = 1.0 + rng.nextDouble(); // the routing changes every step
      if (noWorkspace) {
        moe.forward(x.mul(scale), tags);
        moe.backward(dy);
      } else {
        try (MemoryWorkspace ignored = StepWorkspace.open("bench-memory")) {
          moe.forward(x.mul(scale), tags);
          moe.backward(dy);
        }
      }
      moe.zeroGrad();
      if (step % every == 0 || step == 1) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("bench", "memory");
        r.put("step", step);
        r.put("rssMiB", ProcStatus.self().rssMiB(-1)); // -1 without /proc
        r.put("javacppMiB", Pointer.physicalBytes() / 1048576.0);
        r.put("offHeapTrackedMiB", Pointer.totalBytes() / 1048576.0);
        r.put("heapUsedMiB",
            (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1048576.0);
        r.put("workspace", !noWorkspace);
        r.put("elapsedS", (System.nanoTime() - t0) / 1e9);
        System.out.println(om.writeValueAsString(r));
      }
    }
    return 0;
  }
}
