package org.evomoe.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SplitMix64Test {

  @Test
  void matchesTheJdkSplitMixStream() {
    for (long seed : new long[] {0L, 1L, 42L, -7L, Long.MAX_VALUE}) {
      SplittableRandom jdk = new SplittableRandom(seed);
      SplitMix64 ours = new SplitMix64(seed);
      for (int i = 0; i < 1000; i++) {
        assertEquals(jdk.nextLong(), ours.nextLong(), "seed " + seed + " draw " + i);
      }
    }
  }

  @Test
  void knownFirstOutputForSeedZero() {
    // First output of the reference splitmix64.c with state 0.
    assertEquals(0xE220A8397B1DCDAFL, new SplitMix64(0).nextLong());
  }

  @Test
  void savedStateReplaysTheSameStream() {
    SplitMix64 a = new SplitMix64(99);
    for (int i = 0; i < 17; i++) {
      a.nextLong();
    }
    SplitMix64 b = new SplitMix64(12345);
    b.setState(a.state());
    for (int i = 0; i < 100; i++) {
      assertEquals(Double.doubleToRawLongBits(a.nextDouble()), Double.doubleToRawLongBits(b.nextDouble()));
    }
  }

  @Test
  void doublesAreInTheUnitIntervalAndSpreadOut() {
    SplitMix64 r = new SplitMix64(3);
    int[] bins = new int[10];
    int n = 20000;
    for (int i = 0; i < n; i++) {
      double u = r.nextDouble();
      assertTrue(u >= 0 && u < 1, "draw " + u);
      bins[(int) (u * 10)]++;
    }
    for (int b : bins) {
      // Expected 2000 per bin, sd about 42.
      assertTrue(Math.abs(b - n / 10) < 250, "bin count " + b);
    }
  }
}
