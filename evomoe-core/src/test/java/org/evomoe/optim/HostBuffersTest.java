package org.evomoe.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class HostBuffersTest {

  @Test
  void contiguousViewIsReadAndWrittenAtItsOffset() {
    INDArray a = Nd4j.arange(0, 12).castTo(DataType.FLOAT).reshape(3, 4).dup('c');
    INDArray rows = a.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all()); // elements 4..11
    assertTrue(rows.offset() > 0);
    assertTrue(HostBuffers.usable(rows));
    FloatBuffer b = HostBuffers.floats(rows);
    assertEquals(4f, b.get(0), 0f);
    assertEquals(11f, b.get(7), 0f);
    b.put(0, -1f);
    assertEquals(-1f, a.getFloat(1, 0), 0f);
    assertEquals(3f, a.getFloat(0, 3), 0f);
  }

  @Test
  void stridedViewsMixedTypesAndHalfAreNotUsable() {
    INDArray a = Nd4j.zeros(DataType.FLOAT, 3, 4);
    assertFalse(HostBuffers.usable(a.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2))));
    assertFalse(HostBuffers.usable(a.transpose()));
    assertFalse(HostBuffers.usable(Nd4j.zeros(DataType.HALF, 4)));
    assertFalse(HostBuffers.usable(a, Nd4j.zeros(DataType.DOUBLE, 3, 4)));
    assertFalse(HostBuffers.usable(a, Nd4j.zeros(DataType.FLOAT, 13)));
    assertTrue(HostBuffers.usable(a, Nd4j.zeros(DataType.FLOAT, 3, 4)));
  }

  @Test
  void sumOfSquaresAccumulatesInDouble() {
    // 2^20 ones plus 2^-12 squared values: float accumulation would lose the small part.
    int n = 1 << 20;
    INDArray a = Nd4j.ones(DataType.FLOAT, n + 4);
    a.putScalar(n, 1f / 64);
    a.putScalar(n + 1, 1f / 64);
    a.putScalar(n + 2, 1f / 64);
    a.putScalar(n + 3, 1f / 64);
    assertEquals(n + 4.0 / 4096, HostBuffers.sumOfSquares(a), 1e-9);
  }

  @Test
  void forRangeCoversEveryIndexOnceInParallelChunks() {
    int n = HostBuffers.PARALLEL_THRESHOLD * 3 + 17;
    int[] hits = new int[n];
    HostBuffers.forRange(n, (from, to) -> {
      for (int i = from; i < to; i++) {
        hits[i]++;
      }
    });
    for (int i = 0; i < n; i++) {
      assertEquals(1, hits[i], "index " + i);
    }
  }
}
