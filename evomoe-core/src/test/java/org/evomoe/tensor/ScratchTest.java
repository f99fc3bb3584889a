package org.evomoe.tensor;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Per-thread scratch arrays: distinct per slot and thread, reused while large enough. */
class ScratchTest {
  @Test
  void slotsAreDistinctReusedAndGrown() throws Exception {
    float[][] f = new float[Scratch.SLOTS][];
    double[][] d = new double[Scratch.SLOTS][];
    for (int s = 0; s < Scratch.SLOTS; s++) {
      f[s] = Scratch.floats(s, 100);
      d[s] = Scratch.doubles(s, 100);
      assertTrue(f[s].length >= 100 && d[s].length >= 100);
    }
    for (int a = 0; a < Scratch.SLOTS; a++) {
      for (int b = a + 1; b < Scratch.SLOTS; b++) {
        assertNotSame(f[a], f[b]);
        assertNotSame(d[a], d[b]);
      }
    }
    assertSame(f[1], Scratch.floats(1, 50)); // large enough: the same array
    float[] grown = Scratch.floats(1, 1000);
    assertTrue(grown.length >= 1000);
    assertSame(grown, Scratch.floats(1, 10));
    float[] other = CompletableFuture.supplyAsync(() -> Scratch.floats(1, 10)).get();
    assertNotSame(grown, other); // another thread has its own
  }
}
