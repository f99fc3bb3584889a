package org.evomoe.tensor;

import java.util.concurrent.ForkJoinPool;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One knob for the number of CPU threads: ND4J's OpenMP and BLAS threads and the pool that runs
 * this library's plain-Java kernels ({@link Parallel}). For small shapes one thread is often
 * faster than two.
 *
 * <p>The start value is the system property {@code evomoe.threads} (applied to ND4J as well when
 * this class loads), else the number of cores; {@code evomoe.kernelThreads} gives the Java kernels
 * a different count. No code of the library runs work on the common fork-join pool or on parallel
 * streams: with one thread, everything runs on the calling thread.
 */
public final class Threads {
  private static volatile int threads;
  private static volatile ForkJoinPool pool;

  static {
    String prop = System.getProperty("evomoe.threads");
    int n = prop == null ? Runtime.getRuntime().availableProcessors() : parse("evomoe.threads", prop);
    threads = kernelThreads(n);
    pool = new ForkJoinPool(threads);
    if (prop != null) {
      setNative(n);
    }
  }

  private Threads() {}

  private static int parse(String property, String value) {
    int n;
    try {
      n = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("system property " + property + " must be an integer >= 1, got '"
          + value + "'");
    }
    if (n < 1) {
      throw new IllegalArgumentException("system property " + property + " must be >= 1, got " + n);
    }
    return n;
  }

  private static int kernelThreads(int n) {
    String k = System.getProperty("evomoe.kernelThreads");
    return k == null ? n : parse("evomoe.kernelThreads", k);
  }

  private static void setNative(int n) {
    Nd4j.getEnvironment().setMaxThreads(n);
    Nd4j.getEnvironment().setMaxMasterThreads(n);
    Nd4j.factory().blas().setMaxThreads(n);
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
    setNative(n);
    int kernels = kernelThreads(n);
    if (kernels != threads) {
      ForkJoinPool old = pool;
      pool = new ForkJoinPool(kernels);
      threads = kernels;
      old.shutdown();
    }
  }
}
