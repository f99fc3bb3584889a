package org.evomoe.moe;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The routing counts of one MoE layer over a batch: how many real tokens it routed and how many
 * of their top-k assignments went to each expert. The load-balancing loss is a nonlinear function
 * of these counts over the whole batch ({@code F_i = assignments[i] / (tokens * k)}), so a batch
 * split into shards (data parallelism) sums the shards' totals ({@link #plus}) and gives every
 * shard the global ones ({@link MoeLayer#setBatchTotals}); counts add exactly in any order.
 *
 * @param tokens real tokens routed, {@code >= 0}
 * @param assignments per expert, the assignments it received [E]; they add up to {@code tokens *
 *     k} for top-k routing
 */
public record RoutingTotals(long tokens, long[] assignments) implements Serializable {
  public RoutingTotals {
    if (tokens < 0) {
      throw new IllegalArgumentException("routing totals: tokens must be >= 0, got " + tokens);
    }
    if (assignments == null || assignments.length == 0) {
      throw new IllegalArgumentException("routing totals need one assignment count per expert");
    }
    assignments = assignments.clone();
    for (int i = 0; i < assignments.length; i++) {
      if (assignments[i] < 0) {
        throw new IllegalArgumentException(
            "routing totals: expert " + i + " has " + assignments[i] + " assignments");
      }
    }
  }

  /** No tokens over {@code experts} experts. */
  public static RoutingTotals empty(int experts) {
    return new RoutingTotals(0, new long[experts]);
  }

  /** Experts counted. */
  public int experts() {
    return assignments.length;
  }

  /** The counts of both batches together. */
  public RoutingTotals plus(RoutingTotals o) {
    if (o.assignments.length != assignments.length) {
      throw new IllegalArgumentException("routing totals over " + assignments.length
          + " experts cannot be added to totals over " + o.assignments.length);
    }
    long[] a = assignments.clone();
    for (int i = 0; i < a.length; i++) {
      a[i] += o.assignments[i];
    }
    return new RoutingTotals(tokens + o.tokens, a);
  }

  @Override
  public long[] assignments() {
    return assignments.clone();
  }

  long assignmentsOf(int expert) {
    return assignments[expert];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RoutingTotals r && r.tokens == tokens
        && Arrays.equals(r.assignments, assignments);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(tokens) * 31 + Arrays.hashCode(assignments);
  }

  @Override
  public String toString() {
    return "RoutingTotals[tokens=" + tokens + ", assignments=" + Arrays.toString(assignments) + "]";
  }
}
