package org.evomoe.tensor;

import java.util.concurrent.ForkJoinPool;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One knob for the number of CPU threads: ND4J's OpenMP and BLAS threads and the pool that runs
 * this library's plain-Java kernels. For small shapes one thread is often faster than two.
 */
public final class Threads {
  private static volatile ForkJoinPool pool = new ForkJoinPool(defaultThreads());
  private static volatile int threads = defaultThreads();

  private Threads() {}

  private static int defaultThreads() {
    String env = System.getProperty("evomoe.threads");
    if (env != null) {
      return Integer.parseInt(env.trim());
    }
    return Runtime.getRuntime().availableProcessors();
  }

  /** Current thread count for Java kernels. */
  public static int count() {
    return threads;
  }

  /** The pool that runs Java kernels. */
  static ForkJoinPool pool() {
    return pool;
  }

  /**
   * Sets the thread count for ND4J (OpenMP and BLAS) and for the Java kernels.
   *
   * @param n at least 1
   */
  public static synchronized void set(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("thread count must be >= 1, got " + n);
    }
    Nd4j.getEnvironment().setMaxThreads(n);
    Nd4j.getEnvironment().setMaxMasterThreads(n);
    Nd4j.factory().blas().setMaxThreads(n);
    int kernels = Integer.getInteger("evomoe.kernelThreads", n);
    if (kernels != threads) {
      ForkJoinPool old = pool;
      pool = new ForkJoinPool(Math.max(1, kernels));
      threads = Math.max(1, kernels);
      old.shutdown();
    }
  }
}
