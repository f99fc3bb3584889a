package org.evomoe.router;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.tensor.Init;
import org.evomoe.tensor.StepWorkspace;
import org.evomoe.tensor.Threads;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Times the DTR's two evaluation orders of Theta_down z (FLOAT, default r, m, h, E = 4) and, for
 * scale, the linear routers and one SwiGLU expert on the same tokens. Not a unit test: run it by
 * hand (see docs/routers.md for the command). Arguments: {@code [threads] [tokens,...]
 * [dModel,...] [reps]}, defaults: all cores, 1024, 256,512, 15.
 *
 * <p>The cases of one shape run interleaved (round-robin, each rep in a fresh step workspace) after
 * a warm-up that lets the JIT compile the Java kernels, so that load from other processes hits
 * all cases alike. Reported: the median and the minimum over the reps.
 */
public final class DtrContractionBenchmark {
  private static final int WARMUP = 10;
  private static final int EXPERTS = 4;

  private DtrContractionBenchmark() {}

  private record Case(String name, String intermediate, Runnable forward, Runnable forwardBackward) {}

  public static void main(String[] args) {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
    int[] tokens = args.length > 1 ? parse(args[1]) : new int[] {1024};
    int[] widths = args.length > 2 ? parse(args[2]) : new int[] {256, 512};
    int reps = args.length > 3 ? Integer.parseInt(args[3]) : 15;
    Threads.set(threads);
    DataType f = DataType.FLOAT;
    System.out.printf(Locale.ROOT,
        "threads=%d, FLOAT, E=%d, r=%d, m=%d, h=%d, %d interleaved reps after %d warm-up rounds%n",
        threads, EXPERTS, DtrConfig.DEFAULT_RANK, DtrConfig.DEFAULT_EMBED_DIM,
        DtrConfig.DEFAULT_HYPER_HIDDEN, reps, WARMUP);
    System.out.println("| T | d | router | forward ms (median / min) | forward+backward ms (median / min) "
        + "| largest intermediate |");
    System.out.println("|---|---|---|---|---|---|");
    for (int t : tokens) {
      for (int d : widths) {
        List<Case> cases = cases(t, d, f);
        double[][] fwd = measure(cases.stream().map(Case::forward).toList(), reps);
        double[][] both = measure(cases.stream().map(Case::forwardBackward).toList(), reps);
        for (int i = 0; i < cases.size(); i++) {
          Case c = cases.get(i);
          System.out.printf(Locale.ROOT, "| %d | %d | %s | %.1f / %.1f | %.1f / %.1f | %s |%n",
              t, d, c.name(), median(fwd[i]), fwd[i][0], median(both[i]), both[i][0], c.intermediate());
        }
      }
    }
  }

  private static List<Case> cases(int t, int d, DataType f) {
    SplittableRandom rng = new SplittableRandom(1);
    INDArray x = Init.normal(rng, 1.0, f, t, d);
    INDArray dl = Init.normal(rng, 1.0, f, t, EXPERTS);
    Modality[] tags = new Modality[t];
    for (int i = 0; i < t; i++) {
      tags[i] = i < t * 3 / 5 ? Modality.IMAGE : Modality.TEXT; // image prefix, then text
    }
    List<Case> cases = new ArrayList<>();
    DtrConfig base = DtrConfig.defaults();
    for (ThetaContraction order : ThetaContraction.values()) {
      DynamicTokenRouter r =
          new DynamicTokenRouter("gate", d, EXPERTS, base.withContraction(order), f, new SplittableRandom(2));
      long elems = order == ThetaContraction.CONTRACTED
          ? (long) t * 2 * base.rank() * (base.hyperHidden() + 1)
          : (long) t * base.thetaSize(d);
      cases.add(routerCase("DTR " + order.name().toLowerCase(Locale.ROOT), r, x, tags, dl,
          String.format(Locale.ROOT, "[%d, %d] %.1f MB", t, elems / t, elems * 4 / 1e6)));
    }
    cases.add(routerCase("modality linear",
        new ModalityLinearRouter("gate", d, EXPERTS, f, new SplittableRandom(3)), x, tags, dl, "-"));
    cases.add(routerCase("linear", new LinearRouter("gate", d, EXPERTS, f, new SplittableRandom(3)),
        x, tags, dl, "-"));
    int hidden = (d * 11 / 4 + 63) / 64 * 64;
    SwiGluFfn expert = new SwiGluFfn("expert", d, hidden, f, new SplittableRandom(4));
    cases.add(new Case("one SwiGLU expert, all T tokens (hidden " + hidden + ")", "-",
        () -> expert.forward(x), () -> expert.backward(expert.forward(x))));
    return cases;
  }

  private static Case routerCase(String name, Router r, INDArray x, Modality[] tags, INDArray dl,
      String inter) {
    return new Case(name, inter, () -> r.forward(x, tags), () -> {
      r.forward(x, tags);
      r.backward(dl);
    });
  }

  /** Per body: the sorted times (ms) of {@code reps} interleaved runs. */
  private static double[][] measure(List<Runnable> bodies, int reps) {
    for (int w = 0; w < WARMUP; w++) {
      for (Runnable b : bodies) {
        try (MemoryWorkspace ignored = StepWorkspace.open("dtr-bench")) {
          b.run();
        }
      }
    }
    double[][] ms = new double[bodies.size()][reps];
    for (int rep = 0; rep < reps; rep++) {
      for (int i = 0; i < bodies.size(); i++) {
        try (MemoryWorkspace ignored = StepWorkspace.open("dtr-bench")) {
          long t0 = System.nanoTime();
          bodies.get(i).run();
          ms[i][rep] = (System.nanoTime() - t0) / 1e6;
        }
      }
    }
    for (double[] m : ms) {
      Arrays.sort(m);
    }
    return ms;
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static int[] parse(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
  }
}
