package org.evomoe.examples.bench;

import java.util.Arrays;
import org.evomoe.tensor.StepWorkspace;
import org.nd4j.linalg.api.memory.MemoryWorkspace;

/** Median wall time of a body run inside a step workspace, after warm-up. */
final class Timer {
  private Timer() {}

  /** Milliseconds: the median of {@code reps} timed runs after {@code warmup} untimed ones. */
  static double medianMs(String workspace, int warmup, int reps, Runnable body) {
    for (int i = 0; i < warmup; i++) {
      try (MemoryWorkspace ignored = StepWorkspace.open(workspace)) {
        body.run();
      }
    }
    double[] ms = new double[reps];
    for (int i = 0; i < reps; i++) {
      try (MemoryWorkspace ignored = StepWorkspace.open(workspace)) {
        long t0 = System.nanoTime();
        body.run();
        ms[i] = (System.nanoTime() - t0) / 1e6;
      }
    }
    Arrays.sort(ms);
    return reps % 2 == 1 ? ms[reps / 2] : (ms[reps / 2 - 1] + ms[reps / 2]) / 2;
  }
}
