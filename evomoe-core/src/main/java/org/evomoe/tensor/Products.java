package org.evomoe.tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one entry point of the library's matrix products (BLAS gemm and ND4J's batched matmul).
 * Each method delegates to ND4J unchanged, so results are bit-identical to calling ND4J directly.
 *
 * <p>Optional accounting: {@link #count()} opens a {@link Count} on the calling thread; while it
 * is open, every product that thread calls adds one call, the thread's CPU time ({@link
 * ThreadMXBean#getCurrentThreadCpuTime()}) and the wall time spent inside the product. Products
 * called on other threads are not counted (each thread counts its own), nor products after the
 * count closes. With one BLAS thread the product runs on the calling thread, so its CPU time is
 * the product's whole CPU time; with more, BLAS's worker threads are not in it (the wall time
 * is). Off by default: with no count open anywhere in the process a product costs one extra
 * volatile read.
 *
 * <p>Counts nest: a count opened while another is open on the same thread is its inner count;
 * a product adds to every count open on its thread (an outer count includes the inner ones').
 * Counts close innermost first; closing one that is not the innermost open count of its thread,
 * or closing it from another thread, throws {@link IllegalStateException}. Closing twice does
 * nothing. A closed count keeps its totals.
 *
 * <pre>{@code
 * try (Products.Count c = Products.count()) {
 *   model.step(batch);
 *   System.out.println(c.calls() + " products, " + c.cpuNanos() / 1e6 + " ms CPU");
 * }
 * }</pre>
 */
public final class Products {
  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
  /** Counts open in the process; 0 means no product needs to look at its thread's counts. */
  private static final AtomicInteger OPEN = new AtomicInteger();
  /** The innermost open count of each thread, or null. */
  private static final ThreadLocal<Count> INNERMOST = new ThreadLocal<>();

  private Products() {}

  /**
   * c = alpha op(a) op(b) + beta c, op = transpose when the flag is set; {@code Nd4j.gemm}
   * unchanged.
   *
   * @param a [m, k], or [k, m] when transA
   * @param b [k, n], or [n, k] when transB
   * @param c [m, n], overwritten (read first when beta != 0)
   */
  public static void gemm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB,
      double alpha, double beta) {
    if (OPEN.get() == 0) {
      Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
      return;
    }
    Count count = INNERMOST.get();
    if (count == null) {
      Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
      return;
    }
    long cpu0 = MX.getCurrentThreadCpuTime();
    long wall0 = System.nanoTime();
    try {
      Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
    } finally {
      count.add(MX.getCurrentThreadCpuTime() - cpu0, System.nanoTime() - wall0);
    }
  }

  /**
   * Batched product out[i] = op(a[i]) op(b[i]) over the leading axis; {@code Nd4j.matmul(a, b,
   * out, transA, transB, false)} unchanged. Counts as one call.
   *
   * @param a [n, r, k], or [n, k, r] when transA
   * @param b [n, k, c], or [n, c, k] when transB
   * @param out [n, r, c], overwritten
   */
  public static void batchedMatmul(INDArray a, INDArray b, INDArray out, boolean transA,
      boolean transB) {
    if (OPEN.get() == 0) {
      Nd4j.matmul(a, b, out, transA, transB, false);
      return;
    }
    Count count = INNERMOST.get();
    if (count == null) {
      Nd4j.matmul(a, b, out, transA, transB, false);
      return;
    }
    long cpu0 = MX.getCurrentThreadCpuTime();
    long wall0 = System.nanoTime();
    try {
      Nd4j.matmul(a, b, out, transA, transB, false);
    } finally {
      count.add(MX.getCurrentThreadCpuTime() - cpu0, System.nanoTime() - wall0);
    }
  }

  /**
   * Opens a count of the products called on this thread until it closes (see the class comment
   * for nesting).
   *
   * @throws UnsupportedOperationException when the JVM cannot measure thread CPU time
   */
  public static Count count() {
    if (!MX.isCurrentThreadCpuTimeSupported()) {
      throw new UnsupportedOperationException(
          "this JVM cannot measure the current thread's CPU time; products cannot be counted");
    }
    if (!MX.isThreadCpuTimeEnabled()) {
      MX.setThreadCpuTimeEnabled(true);
    }
    Count count = new Count(Thread.currentThread(), INNERMOST.get());
    INNERMOST.set(count);
    OPEN.incrementAndGet();
    return count;
  }

  /**
   * Products called on one thread while open: calls, CPU and wall nanoseconds inside them. Read
   * the totals on the thread that opened it, or after it closed.
   */
  public static final class Count implements AutoCloseable {
    private final Thread owner;
    private final Count outer;
    private long calls;
    private long cpuNanos;
    private long wallNanos;
    private boolean closed;

    private Count(Thread owner, Count outer) {
      this.owner = owner;
      this.outer = outer;
    }

    private void add(long cpu, long wall) {
      for (Count c = this; c != null; c = c.outer) {
        c.calls++;
        c.cpuNanos += cpu;
        c.wallNanos += wall;
      }
    }

    /** Products called so far. */
    public long calls() {
      return calls;
    }

    /** The calling thread's CPU nanoseconds inside them. */
    public long cpuNanos() {
      return cpuNanos;
    }

    /** Wall-clock nanoseconds inside them. */
    public long wallNanos() {
      return wallNanos;
    }

    /** Whether it has closed. */
    public boolean closed() {
      return closed;
    }

    /**
     * Stops counting; idempotent.
     *
     * @throws IllegalStateException when called from another thread than the one that opened it,
     *     or while a count opened inside it is still open
     */
    @Override
    public void close() {
      if (closed) {
        return;
      }
      if (Thread.currentThread() != owner) {
        throw new IllegalStateException("a product count must be closed on the thread that opened"
            + " it (" + owner.getName() + "), not on " + Thread.currentThread().getName());
      }
      if (INNERMOST.get() != this) {
        throw new IllegalStateException(
            "a product count must be closed after the counts opened inside it");
      }
      closed = true;
      if (outer == null) {
        INNERMOST.remove();
      } else {
        INNERMOST.set(outer);
      }
      OPEN.decrementAndGet();
    }
  }
}
