package org.evomoe.tensor;

import java.util.concurrent.ForkJoinPool;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one thread setting of the library: the threads ND4J's native ops run on, the BLAS threads,
 * and the pool that runs this library's plain-Java kernels ({@link Parallel}), all set together by
 * {@link #set(int)}. {@link #use(int)} sets them for a scope and puts the previous
 * values back when it closes; {@link #state()} and {@link #restore(State)} do the same by hand.
 *
 * <p>Start value, applied to ND4J and the Java kernels alike when this class loads: the system
 * property {@code evomoe.threads}, else the count in the environment variable {@code
 * OMP_NUM_THREADS} (which ND4J reads too; its first entry when nested, ignored when not a count),
 * else {@link #DEFAULT} (capped at the number of cores). {@code
 * evomoe.kernelThreads} gives the Java kernels a different count than ND4J. No code of the library
 * runs work on the common fork-join pool or on parallel streams: with one thread, everything runs
 * on the calling thread.
 *
 * <p>ND4J's ops run on at most {@code Nd4j.getEnvironment().maxThreads()} threads, a ceiling
 * fixed when ND4J starts (from {@code OMP_NUM_THREADS}, else the core count; ND4J 1.0.0-M2.1
 * ignores later changes to it: its {@code setMaxThreads} does nothing). Within it the count is
 * ND4J's "master threads", which this class sets; a count above the ceiling gives ND4J's ops the
 * ceiling, BLAS and the Java kernels the full count. ND4J's float reductions ({@code sum},
 * {@code norm2}, ...) split their work by the ceiling, not by the master threads, so their last
 * bits depend on the environment the process started with: the library therefore does every
 * reduction whose result it uses in its Java kernels (fixed order, double accumulation) or in BLAS,
 * whose threads this class does set, and its numbers depend on {@link #set(int)} alone, not on
 * {@code OMP_NUM_THREADS} (tested in separate JVMs with ceilings 1 and 2). The setting is
 * process-wide (ND4J's and BLAS's are global), so it is not meant to differ between threads that
 * run at the same time; code that sets it for a while restores it ({@link #use(int)}).
 */
public final class Threads {
  /**
   * The thread count when neither {@code evomoe.threads} nor {@code OMP_NUM_THREADS} is set: one.
   * Chosen by measurement (docs/performance.md, "Threads"): the demo model's training step had
   * about the same fastest step on one and two threads of a 2-core machine, but a 3-5 times slower
   * median on two threads while other processes shared the machine; top-1 MoE layers up to 1024
   * tokens were as fast or faster on one thread. Top-2 layers and 4096-token layers ran faster on
   * two threads of an idle machine: set more with {@link #set(int)}, {@link #use(int)} or {@code
   * -Devomoe.threads=N}.
   */
  public static final int DEFAULT = 1;

  /**
   * The thread counts in force.
   *
   * @param nd4jThreads threads of ND4J's native ops (its master threads), &gt;= 1
   * @param blasThreads the BLAS library's threads, &gt;= 1
   * @param kernelThreads the Java kernels' pool size, &gt;= 1
   */
  public record State(int nd4jThreads, int blasThreads, int kernelThreads) {
    public State {
      if (nd4jThreads < 1 || blasThreads < 1 || kernelThreads < 1) {
        throw new IllegalArgumentException("thread counts must be >= 1, got nd4j=" + nd4jThreads
            + " blas=" + blasThreads + " kernels=" + kernelThreads);
      }
    }
  }

  /** Restores the state that was in force when {@link #use(int)} was called. Idempotent. */
  public static final class Scope implements AutoCloseable {
    private final State previous;
    private boolean closed;

    private Scope(State previous) {
      this.previous = previous;
    }

    /** The state this scope puts back. */
    public State previous() {
      return previous;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        restore(previous);
      }
    }
  }

  private static volatile int threads;
  private static volatile ForkJoinPool pool;

  static {
    int n = startCount();
    threads = kernelThreads(n);
    pool = new ForkJoinPool(threads);
    setNative(n, n);
  }

  private Threads() {}

  private static int startCount() {
    String prop = System.getProperty("evomoe.threads");
    if (prop != null) {
      return parse("system property evomoe.threads", prop);
    }
    int omp = ompNumThreads(System.getenv("OMP_NUM_THREADS"));
    return omp > 0 ? omp : Math.min(DEFAULT, Runtime.getRuntime().availableProcessors());
  }

  /**
   * The outermost count of an {@code OMP_NUM_THREADS} value ("4" or the nested form "4,2"), or 0
   * when it is unset or not a count (the OpenMP runtime then decides; the library uses its default).
   */
  static int ompNumThreads(String value) {
    if (value == null || value.isBlank()) {
      return 0;
    }
    String first = value.split(",", -1)[0].trim();
    try {
      int n = Integer.parseInt(first);
      return Math.max(n, 0);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static int parse(String what, String value) {
    int n;
    try {
      n = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " must be an integer >= 1, got '" + value + "'");
    }
    if (n < 1) {
      throw new IllegalArgumentException(what + " must be >= 1, got " + n);
    }
    return n;
  }

  private static int kernelThreads(int n) {
    String k = System.getProperty("evomoe.kernelThreads");
    return k == null ? n : parse("system property evomoe.kernelThreads", k);
  }

  private static void setNative(int nd4j, int blas) {
    Nd4j.getEnvironment().setMaxMasterThreads(Math.min(nd4j, Math.max(1, Nd4j.getEnvironment().maxThreads())));
    Nd4j.factory().blas().setMaxThreads(blas);
  }

  private static synchronized void setKernels(int kernels) {
    if (kernels != threads) {
      ForkJoinPool old = pool;
      pool = new ForkJoinPool(kernels);
      threads = kernels;
      old.shutdown();
    }
  }

  /** Current thread count for Java kernels. */
  public static int count() {
    return threads;
  }

  /** The pool that runs Java kernels. */
  static ForkJoinPool pool() {
    return pool;
  }

  /** The thread counts in force now, read back from ND4J, BLAS and the kernel pool. */
  public static synchronized State state() {
    return new State(Math.max(1, Nd4j.getEnvironment().maxMasterThreads()),
        Math.max(1, Nd4j.factory().blas().getMaxThreads()), threads);
  }

  /**
   * Sets the thread count for ND4J's ops (up to its start-up ceiling, see the class comment), BLAS
   * and the Java kernels (unless {@code evomoe.kernelThreads} overrides theirs).
   *
   * @param n at least 1
   */
  public static synchronized void set(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("thread count must be >= 1, got " + n);
    }
    setNative(n, n);
    setKernels(kernelThreads(n));
  }

  /** Puts back a state from {@link #state()}, each count as it was. */
  public static synchronized void restore(State s) {
    if (s == null) {
      throw new IllegalArgumentException("thread state must not be null");
    }
    setNative(s.nd4jThreads(), s.blasThreads());
    setKernels(s.kernelThreads());
  }

  /**
   * Sets {@code n} threads as {@link #set(int)} does, until the returned scope closes and restores
   * the previous counts:
   *
   * <pre>{@code
   * try (Threads.Scope ignored = Threads.use(2)) {
   *   ... // ND4J, BLAS and the Java kernels on 2 threads
   * } // back to what was set before
   * }</pre>
   *
   * @param n at least 1
   */
  public static synchronized Scope use(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("thread count must be >= 1, got " + n);
    }
    Scope scope = new Scope(state());
    set(n);
    return scope;
  }
}
