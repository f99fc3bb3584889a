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
   * Medians per case of {@code reps} timed runs after {@code warmup} untimed rounds, the cases
   * alternating run by run (round r runs every case once, in order), so that a change in the
   * machine's load reaches all of them alike.
   *
   * @param wallMs the wall-time medians, milliseconds
   * @param cpuMs the medians of the CPU time the process's threads used during a run, the JIT
   *     compiler's excepted ({@link #processCpuNanos}; milliseconds; NaN where Linux's per-thread
   *     {@code /proc/self/task/N/schedstat} is missing)
   */
  record Interleaved(double[] wallMs, double[] cpuMs) {}

  static Interleaved interleavedMedianMs(int warmup, int reps, java.util.List<Case> cases) {
    double[][] ms = new double[cases.size()][reps];
    double[][] cpu = new double[cases.size()][reps];
    for (int round = 0; round < warmup + reps; round++) {
      for (int c = 0; c < cases.size(); c++) {
        try (MemoryWorkspace ignored = StepWorkspace.open(cases.get(c).workspace())) {
          long c0 = processCpuNanos();
          long t0 = System.nanoTime();
          cases.get(c).body().run();
          long t1 = System.nanoTime();
          long c1 = processCpuNanos();
          if (round >= warmup) {
            ms[c][round - warmup] = (t1 - t0) / 1e6;
            cpu[c][round - warmup] = c0 < 0 || c1 < 0 ? Double.NaN : (c1 - c0) / 1e6;
          }
        }
      }
    }
    double[] wall = new double[cases.size()];
    double[] cpuMs = new double[cases.size()];
    for (int c = 0; c < cases.size(); c++) {
      wall[c] = median(ms[c]);
      cpuMs[c] = median(cpu[c]);
    }
    return new Interleaved(wall, cpuMs);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  /**
   * Nanoseconds of CPU time used so far by the threads of this process that are alive now (native
   * BLAS and OpenMP workers and the garbage collector included, the JIT compiler's threads not),
   * from Linux's per-thread scheduler statistics; -1 where they cannot be read. Finer than the JVM's process CPU time, which counts in 10 ms ticks here.
   */
  static long processCpuNanos() {
    java.nio.file.Path tasks = java.nio.file.Path.of("/proc/self/task");
    long sum = 0;
    try (java.nio.file.DirectoryStream<java.nio.file.Path> ds =
        java.nio.file.Files.newDirectoryStream(tasks)) {
      for (java.nio.file.Path t : ds) {
        try {
          String name = java.nio.file.Files.readString(t.resolve("comm"));
          if (name.startsWith("C1 ") || name.startsWith("C2 ")) {
            continue; // the JIT compiler: warm-up, not the measured work
          }
          String line = java.nio.file.Files.readString(t.resolve("schedstat")).trim();
          sum += Long.parseLong(line.substring(0, line.indexOf(' ')));
        } catch (java.io.IOException | RuntimeException gone) {
          // the thread ended between the listing and the read
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      return -1;
    }
    return sum;
  }
}
