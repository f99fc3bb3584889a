package org.evomoe.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.evomoe.tensor.Threads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
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

  @ParameterizedTest
  @ValueSource(strings = {"FLOAT", "DOUBLE"})
  void scaleAndZeroMatchTheNd4jOpsBitForBit(String type) {
    DataType t = DataType.valueOf(type);
    Nd4j.getRandom().setSeed(5);
    // long enough for the parallel chunks, with a contiguous view at an offset
    INDArray base = Nd4j.randn(t, 2, HostBuffers.PARALLEL_THRESHOLD + 37);
    INDArray row = base.getRow(1);
    assertTrue(HostBuffers.usable(row));
    INDArray expected = row.dup().muli(0.3712345678901);
    HostBuffers.scale(row, 0.3712345678901);
    assertEquals(expected, row);
    INDArray untouched = base.getRow(0).dup();
    HostBuffers.zero(row);
    assertEquals(0.0, row.amaxNumber().doubleValue());
    assertEquals(untouched, base.getRow(0));
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

  @AfterEach
  void restoreThreads() {
    Threads.set(Integer.getInteger("evomoe.threads", 1));
  }

  /** With 2 threads the chunks really run in parallel (the surefire default is 1 thread). */
  @ParameterizedTest(name = "{0} threads")
  @ValueSource(ints = {1, 2})
  void forRangeCoversEveryIndexOnceInParallelChunks(int threads) {
    Threads.set(threads);
    int n = HostBuffers.PARALLEL_THRESHOLD * 3 + 17;
    AtomicIntegerArray hits = new AtomicIntegerArray(n);
    Set<String> workers = ConcurrentHashMap.newKeySet();
    AtomicInteger calls = new AtomicInteger();
    HostBuffers.forRange(n, (from, to) -> {
      workers.add(Thread.currentThread().getName());
      calls.incrementAndGet();
      assertTrue(to - from <= HostBuffers.PARALLEL_THRESHOLD, "a chunk of " + (to - from));
      for (int i = from; i < to; i++) {
        hits.incrementAndGet(i);
      }
    });
    for (int i = 0; i < n; i++) {
      assertEquals(1, hits.get(i), "index " + i);
    }
    assertTrue(calls.get() > 1, "split into chunks");
    if (threads == 1) {
      assertEquals(Set.of(Thread.currentThread().getName()), workers, "1 thread: the caller only");
    }
    for (String w : workers) {
      assertFalse(w.contains("commonPool"), "a chunk ran on the common fork-join pool: " + w);
    }
  }
}
