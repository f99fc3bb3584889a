package org.evomoe.moe;

import java.util.Arrays;

/**
 * When and in which order {@link MoeLayer} runs its experts side by side: the experts with
 * tokens, largest first, each taken by the next free thread (longest-processing-time-first
 * scheduling), and only when that schedule's longest thread holds at most {@link #MAX_IMBALANCE}
 * times an even share of the rows. Otherwise (one expert with most of the tokens, a forced expert)
 * the experts run one after the other with every product on all threads.
 */
final class ExpertSchedule {
  /**
   * The largest ratio of the busiest thread's rows to an even share for which the experts run
   * side by side: one product on two BLAS threads ran about 1.3-1.8 times faster than on one in
   * the measurements of docs/performance.md, so side by side wins while the busiest thread holds
   * less than about 2 / 1.6 of an even share.
   */
  static final double MAX_IMBALANCE = 1.25;

  private ExpertSchedule() {}

  /** The experts with at least one row, by descending row count (ties: lower index first). */
  static int[] largestFirst(int[] counts) {
    return java.util.stream.IntStream.range(0, counts.length)
        .filter(i -> counts[i] > 0)
        .boxed()
        .sorted((a, b) -> counts[a] != counts[b] ? Integer.compare(counts[b], counts[a]) : Integer.compare(a, b))
        .mapToInt(Integer::intValue)
        .toArray();
  }

  /**
   * Whether {@code counts} rows per expert split evenly enough over {@code threads} threads:
   * at least two experts have rows, and the busiest thread of the largest-first schedule holds at
   * most {@link #MAX_IMBALANCE} times {@code total / threads} rows.
   */
  static boolean balanced(int[] counts, int threads) {
    int[] order = largestFirst(counts);
    if (threads < 2 || order.length < 2) {
      return false;
    }
    long[] load = new long[Math.min(threads, order.length)];
    long total = 0;
    for (int i : order) {
      int least = 0;
      for (int w = 1; w < load.length; w++) {
        if (load[w] < load[least]) {
          least = w;
        }
      }
      load[least] += counts[i];
      total += counts[i];
    }
    long busiest = Arrays.stream(load).max().orElse(0);
    return busiest <= MAX_IMBALANCE * total / threads;
  }
}
