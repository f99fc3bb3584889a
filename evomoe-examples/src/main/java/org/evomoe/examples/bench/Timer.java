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

  /** A timed body and the workspace it runs in. */
  record Case(String workspace, Runnable body) {}

  /**
   * Milliseconds per case: the medians of {@code reps} timed runs after {@code warmup} untimed
   * rounds, the cases alternating run by run (round r runs every case once, in order), so that a
   * change in the machine's load reaches all of them alike.
   */
  static double[] interleavedMedianMs(int warmup, int reps, java.util.List<Case> cases) {
    double[][] ms = new double[cases.size()][reps];
    for (int round = 0; round < warmup + reps; round++) {
      for (int c = 0; c < cases.size(); c++) {
        try (MemoryWorkspace ignored = StepWorkspace.open(cases.get(c).workspace())) {
          long t0 = System.nanoTime();
          cases.get(c).body().run();
          if (round >= warmup) {
            ms[c][round - warmup] = (System.nanoTime() - t0) / 1e6;
          }
        }
      }
    }
    double[] medians = new double[cases.size()];
    for (int c = 0; c < cases.size(); c++) {
      Arrays.sort(ms[c]);
      medians[c] = reps % 2 == 1 ? ms[c][reps / 2] : (ms[c][reps / 2 - 1] + ms[c][reps / 2]) / 2;
    }
    return medians;
  }
}
