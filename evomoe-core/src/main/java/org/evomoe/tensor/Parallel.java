package org.evomoe.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/** Splits an index range over {@link Threads#count()} workers. */
public final class Parallel {
  /** Work on indices [from, to). */
  @FunctionalInterface
  public interface RangeBody {
    void run(int from, int to);
  }

  /** True on a thread while it runs {@link #forEachTask} tasks: its kernels then run inline. */
  private static final ThreadLocal<Boolean> IN_TASK = ThreadLocal.withInitial(() -> false);

  private Parallel() {}

  /**
   * Runs {@code body} over [0, n) in contiguous chunks, in parallel when the work is large enough.
   *
   * @param n number of items
   * @param minPerTask the smallest chunk worth a task (items)
   */
  public static void forRange(int n, int minPerTask, RangeBody body) {
    int workers = IN_TASK.get() ? 1 : Threads.count();
    int tasks = Math.min(workers, Math.max(1, n / Math.max(1, minPerTask)));
    if (tasks <= 1) {
      body.run(0, n);
      return;
    }
    int chunk = (n + tasks - 1) / tasks;
    List<ForkJoinTask<?>> futures = new ArrayList<>(tasks);
    for (int t = 1; t < tasks; t++) {
      int from = t * chunk;
      int to = Math.min(n, from + chunk);
      if (from < to) {
        futures.add(Threads.pool().submit(() -> body.run(from, to)));
      }
    }
    body.run(0, Math.min(n, chunk));
    for (ForkJoinTask<?> f : futures) {
      f.join();
    }
  }

  /**
   * Runs {@code task} once for every index in {@code order}, on up to {@link Threads#count()}
   * threads (the caller and workers of the kernel pool), each thread taking the next index of
   * {@code order} when it is free; with one thread, in order on the caller. The {@link #forRange}
   * kernels a task calls run on the task's thread. Returns when every task has finished; the first
   * exception a task threw is rethrown (the others are added to it as suppressed).
   *
   * <p>Which thread runs which index varies from run to run, so the tasks must write disjoint
   * outputs and not depend on each other; their results then do not depend on the thread count.
   * Native products inside the tasks run with whatever ND4J and BLAS thread counts are in force;
   * callers usually hold {@link Threads#nativeOnOneThread()} meanwhile.
   *
   * @param order the task indices, in the order they are started (largest first balances best)
   */
  public static void forEachTask(int[] order, IntConsumer task) {
    int threads = IN_TASK.get() ? 1 : Math.min(Threads.count(), order.length);
    if (threads <= 1) {
      for (int i : order) {
        task.accept(i);
      }
      return;
    }
    AtomicInteger next = new AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<Throwable> first =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.Queue<Throwable> later = new java.util.concurrent.ConcurrentLinkedQueue<>();
    Runnable loop = () -> {
      boolean outer = IN_TASK.get();
      IN_TASK.set(true);
      try {
        for (int j = next.getAndIncrement(); j < order.length; j = next.getAndIncrement()) {
          task.accept(order[j]);
        }
      } catch (Throwable t) { // kept as thrown: a join would rethrow a copy made on this thread
        if (!first.compareAndSet(null, t)) {
          later.add(t);
        }
        next.set(order.length); // start no further task
      } finally {
        IN_TASK.set(outer);
      }
    };
    List<ForkJoinTask<?>> helpers = new ArrayList<>(threads - 1);
    for (int w = 1; w < threads; w++) {
      helpers.add(Threads.pool().submit(loop));
    }
    loop.run();
    for (ForkJoinTask<?> f : helpers) {
      f.join();
    }
    Throwable failure = first.get();
    if (failure != null) {
      later.forEach(failure::addSuppressed);
    }
    if (failure instanceof RuntimeException r) {
      throw r;
    }
    if (failure instanceof Error e) {
      throw e;
    }
    if (failure != null) {
      throw new IllegalStateException(failure);
    }
  }
}
