package org.evomoe.examples.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * How much of a step is spent in matrix products ({@link org.evomoe.tensor.Products}): per-step
 * medians over steps run with the products counted on the calling thread. With one thread, ND4J,
 * OpenBLAS and the Java kernels all run on the calling thread, so both CPU times are the step's
 * and the products' whole CPU time; with more threads the work of the other threads is missing
 * from both.
 *
 * @param productCallsPerStep median products per step, -1 when not counted
 * @param productCpuMsPerStep median CPU milliseconds of the calling thread inside them, -1 when
 *     not counted
 * @param stepCpuMs median CPU milliseconds of the calling thread for the whole step, -1 when not
 *     counted
 */
record ProductShare(double productCallsPerStep, double productCpuMsPerStep, double stepCpuMs) {
  /** The fields of a benchmark run without {@code --count-ops}. */
  static final ProductShare NOT_COUNTED = new ProductShare(-1, -1, -1);

  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

  /**
   * Medians of per-step measurements, all of the same length &gt;= 1.
   *
   * @param calls products per step
   * @param productCpuNanos CPU nanoseconds inside the products per step
   * @param stepCpuNanos CPU nanoseconds of the whole step
   */
  static ProductShare medians(long[] calls, long[] productCpuNanos, long[] stepCpuNanos) {
    if (calls.length == 0 || productCpuNanos.length != calls.length
        || stepCpuNanos.length != calls.length) {
      throw new IllegalArgumentException("need the same number (>= 1) of steps for each"
          + " measurement, got " + calls.length + ", " + productCpuNanos.length + ", "
          + stepCpuNanos.length);
    }
    return new ProductShare(median(calls, 1.0), MoeBenchmark.round(median(productCpuNanos, 1e-6)),
        MoeBenchmark.round(median(stepCpuNanos, 1e-6)));
  }

  /** CPU nanoseconds the calling thread has used so far. */
  static long threadCpuNanos() {
    if (!MX.isCurrentThreadCpuTimeSupported()) {
      throw new UnsupportedOperationException("this JVM cannot measure a thread's CPU time");
    }
    return MX.getCurrentThreadCpuTime();
  }

  private static double median(long[] v, double scale) {
    double[] s = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      s[i] = v[i] * scale;
    }
    return TrainBenchmark.median(s);
  }
}
