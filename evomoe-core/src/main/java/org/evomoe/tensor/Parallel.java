package org.evomoe.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinTask;

/** Splits an index range over {@link Threads#count()} workers. */
public final class Parallel {
  /** Work on indices [from, to). */
  @FunctionalInterface
  public interface RangeBody {
    void run(int from, int to);
  }

  private Parallel() {}

  /**
   * Runs {@code body} over [0, n) in contiguous chunks, in parallel when the work is large enough.
   *
   * @param n number of items
   * @param minPerTask the smallest chunk worth a task (items)
   */
  public static void forRange(int n, int minPerTask, RangeBody body) {
    int workers = Threads.count();
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
}
