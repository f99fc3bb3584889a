package org.evomoe.examples.spark;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * The sum of the shards' vectors (loss and gradient) in one fixed order, however Spark groups and
 * orders the partial sums: shard vectors are added along the canonical pairwise tree over the
 * shard indices (leaves 0..N-1; a node adds its left and right subtree; a subtree with no shard is
 * skipped). A partial sum is kept per complete subtree, and two partial sums are added only when
 * they are siblings, so the rounding of the result is the same on every run, retry and resume
 * (floating-point addition is commutative but not associative). An aggregator holds at most one
 * partial sum per tree level. Vectors are [weight, loss, gradient...]; a shard's stays a {@link
 * ShardVector} (compact on the wire) until it is first added to another.
 */
final class GradientSum implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int shards;
  // level << 32 | index -> a ShardVector (one shard) or a double[] (a sum)
  private final Map<Long, Object> partial = new HashMap<>();

  /** An empty sum over {@code shards} shards. */
  GradientSum(int shards) {
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be >= 1, got " + shards);
    }
    this.shards = shards;
  }

  /** Adds shard {@code shard}'s vector. */
  GradientSum add(int shard, ShardVector vector) {
    if (shard < 0 || shard >= shards) {
      throw new IllegalArgumentException("shard " + shard + " is outside [0, " + shards + ")");
    }
    insert(0, shard, vector);
    return this;
  }

  /** Adds the partial sums of {@code other} (the same shard count). */
  GradientSum merge(GradientSum other) {
    if (other.shards != shards) {
      throw new IllegalArgumentException("cannot merge sums over " + shards + " and "
          + other.shards + " shards");
    }
    for (Map.Entry<Long, Object> e : other.partial.entrySet()) {
      insert((int) (e.getKey() >>> 32), (int) (long) e.getKey(), e.getValue());
    }
    return this;
  }

  /**
   * The sum of every shard's vector.
   *
   * @throws IllegalStateException if some shard was not added
   */
  double[] result() {
    int root = rootLevel();
    Object r = partial.get(key(root, 0));
    if (r == null || partial.size() != 1) {
      throw new IllegalStateException("the sum over " + shards + " shards is incomplete: "
          + partial.size() + " partial sums, root " + (r == null ? "missing" : "present"));
    }
    return r instanceof ShardVector sv ? sv.toDoubles() : (double[]) r;
  }

  private int rootLevel() {
    int level = 0;
    while ((1L << level) < shards) {
      level++;
    }
    return level;
  }

  private void insert(int level, int index, Object v) {
    int root = rootLevel();
    while (level < root) {
      int sibling = index ^ 1;
      if (((long) sibling << level) >= shards) {
        // The sibling subtree holds no shard: this partial sum is its parent's.
        level++;
        index >>= 1;
        continue;
      }
      Object o = partial.remove(key(level, sibling));
      if (o == null) {
        break;
      }
      double[] a = v instanceof ShardVector sv ? sv.toDoubles() : (double[]) v;
      double[] b = o instanceof ShardVector sv ? sv.toDoubles() : (double[]) o;
      if (a.length != b.length) {
        throw new IllegalArgumentException("shard vectors of lengths " + a.length + " and "
            + b.length + " cannot be added");
      }
      for (int i = 0; i < a.length; i++) {
        a[i] += b[i]; // commutative: the same bits for left + right and right + left
      }
      v = a;
      level++;
      index >>= 1;
    }
    if (partial.putIfAbsent(key(level, index), v) != null) {
      throw new IllegalStateException("shard subtree (" + level + ", " + index + ") added twice");
    }
  }

  private static long key(int level, int index) {
    return ((long) level << 32) | (index & 0xffffffffL);
  }
}
