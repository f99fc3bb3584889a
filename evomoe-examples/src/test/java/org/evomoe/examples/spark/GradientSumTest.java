package org.evomoe.examples.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The shard sum has the same bits whatever order and grouping the shards arrive in. */
class GradientSumTest {
  static double[][] vectors(int shards, int len) {
    Random r = new Random(shards);
    double[][] v = new double[shards][len];
    for (double[] x : v) {
      for (int i = 0; i < len; i++) {
        x[i] = r.nextGaussian() * Math.pow(10, r.nextInt(12) - 6); // mixed magnitudes
      }
    }
    return v;
  }

  /** The canonical pairwise sum over [lo, hi) within the tree of size 2^level. */
  static double[] pairwise(double[][] v, int lo, int size) {
    if (size == 1) {
      return v[lo].clone();
    }
    int half = size / 2;
    if (lo + half >= v.length) {
      return pairwise(v, lo, half);
    }
    double[] a = pairwise(v, lo, half);
    double[] b = pairwise(v, lo + half, half);
    for (int i = 0; i < a.length; i++) {
      a[i] += b[i];
    }
    return a;
  }

  static double[] sum(double[][] v, List<Integer> order, int groups) {
    List<GradientSum> parts = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      parts.add(new GradientSum(v.length));
    }
    for (int i = 0; i < order.size(); i++) {
      int s = order.get(i);
      parts.get(i % groups).add(s, new ShardVector(1, 0, null, v[s].clone()));
    }
    Collections.reverse(parts);
    GradientSum total = new GradientSum(v.length);
    for (GradientSum p : parts) {
      total.merge(p);
    }
    return java.util.Arrays.copyOfRange(total.result(), 2, 2 + v[0].length);
  }

  @Test
  void anyArrivalOrderAndGroupingGivesThePairwiseSumsBits() {
    for (int shards : new int[] {1, 2, 3, 5, 8, 13}) {
      double[][] v = vectors(shards, 64);
      int size = Integer.highestOneBit(Math.max(1, shards - 1)) * (shards > 1 ? 2 : 1);
      double[] expected = pairwise(v, 0, size);
      Random r = new Random(7);
      for (int trial = 0; trial < 20; trial++) {
        List<Integer> order = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
          order.add(s);
        }
        Collections.shuffle(order, r);
        assertArrayEquals(expected, sum(v, order, 1 + r.nextInt(4)), 0.0, shards + " shards");
      }
    }
  }

  @Test
  void sequentialSumsDifferInTheLastBitsSoOrderMatters() {
    double[][] v = vectors(13, 64);
    double[] seq = new double[64];
    for (int s = 12; s >= 0; s--) {
      for (int i = 0; i < 64; i++) {
        seq[i] += v[s][i];
      }
    }
    List<Integer> order = new ArrayList<>();
    for (int s = 0; s < 13; s++) {
      order.add(s);
    }
    assertNotEquals(java.util.Arrays.toString(seq), java.util.Arrays.toString(sum(v, order, 1)));
  }

  @Test
  void anIncompleteOrDuplicatedSumIsRefused() {
    GradientSum s = new GradientSum(3);
    s.add(0, new ShardVector(1, 0, new float[] {1}, null));
    s.add(2, new ShardVector(1, 0, new float[] {1}, null));
    assertThrows(IllegalStateException.class, s::result);
    assertThrows(IllegalStateException.class,
        () -> s.add(2, new ShardVector(1, 0, new float[] {1}, null)));
    assertThrows(IllegalArgumentException.class,
        () -> s.add(3, new ShardVector(1, 0, new float[] {1}, null)));
  }
}
