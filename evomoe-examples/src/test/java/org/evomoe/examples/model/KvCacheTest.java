package org.evomoe.examples.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.junit.jupiter.api.Test;

/**
 * The preallocated cache against the straightforward one (concatenate old and new rows into a new
 * array, which the cache did before): same rows after every append, and an append within the
 * capacity writes into the same buffer instead of copying the cache.
 */
class KvCacheTest {
  @Test
  void appendsMatchConcatenationAndGrowOnlyByDoubling() {
    KvCache cache = new KvCache(2);
    int n = 3;
    int dh = 4;
    INDArray naiveK = null;
    INDArray naiveV = null;
    int[] chunks = {5, 1, 1, 57, 1, 1, 70};
    int[] capacities = {64, 64, 64, 64, 128, 128, 256};
    Object buffer = null;
    int len = 0;
    for (int c = 0; c < chunks.length; c++) {
      int m = chunks[c];
      INDArray k = Nd4j.rand(DataType.DOUBLE, n, m, dh);
      INDArray v = Nd4j.rand(DataType.DOUBLE, n, m, dh);
      naiveK = naiveK == null ? k.dup() : Nd4j.concat(1, naiveK, k);
      naiveV = naiveV == null ? v.dup() : Nd4j.concat(1, naiveV, v);
      for (int layer = 0; layer < 2; layer++) {
        INDArray[] all = cache.append(layer, k, v);
        assertEquals(naiveK, all[0]);
        assertEquals(naiveV, all[1]);
      }
      len += m;
      cache.advance(n, len);
      assertEquals(capacities[c], cache.capacity(0), "capacity after chunk " + c);
      assertEquals(naiveK, cache.keys(1));
      assertEquals(naiveV, cache.values(0));
      Object now = cache.keys(0).data();
      if (c > 0 && capacities[c] == capacities[c - 1]) {
        assertSame(buffer, now, "append " + c + " within the capacity reallocated the buffer");
      }
      buffer = now;
    }
    assertEquals(n, cache.batch());
    assertThrows(IllegalArgumentException.class,
        () -> cache.append(0, Nd4j.rand(DataType.DOUBLE, n, 1, dh + 1),
            Nd4j.rand(DataType.DOUBLE, n, 1, dh + 1)));
    cache.clear();
    assertEquals(0, cache.capacity(0));
    assertEquals(null, cache.keys(0));
  }
}
