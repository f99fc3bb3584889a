package org.evomoe.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Plain-Java buffer access against ND4J's own view of the same arrays. */
class BuffersTest {
  @Test
  void allFiniteAgreesWithNd4jAtEveryPositionInFloatAndDouble() {
    for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      // 3 x 5000 elements: more than one 4096-element chunk, so the chunk edges are covered.
      for (int pos : new int[] {0, 4095, 4096, 8191, 14999}) {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
          INDArray a = Nd4j.rand(t, 3, 5000);
          assertTrue(Buffers.of(a).allFinite(), t + " all finite");
          a.putScalar(pos, bad);
          boolean nd4j = !(a.isNaN().any() || a.isInfinite().any());
          assertFalse(nd4j);
          assertEquals(nd4j, Buffers.of(a).allFinite(), t + " " + bad + " at " + pos);
        }
      }
    }
  }

  @Test
  void allFiniteReadsOnlyTheViewOfARowRange() {
    INDArray a = Nd4j.rand(DataType.FLOAT, 6, 7);
    a.putScalar(0, 3, Float.NaN); // row 0: outside the view
    a.putScalar(5, 1, Float.POSITIVE_INFINITY); // row 5: outside the view
    INDArray view = a.get(NDArrayIndex.interval(1, 5), NDArrayIndex.all());
    assertTrue(Buffers.of(view).allFinite());
    view.putScalar(2, 6, Float.NaN);
    assertFalse(Buffers.of(view).allFinite());
  }

  @Test
  void floatReadsAndWritesFromManyInstancesAndThreadsRoundTrip() {
    // The float scratch array is shared by all instances of a thread: interleaved instances and
    // parallel chunks must still see their own values.
    INDArray a = Nd4j.rand(DataType.FLOAT, 64, 33);
    INDArray b = Nd4j.createUninitialized(DataType.FLOAT, 64, 33);
    Parallel.forRange(64, 1, (r0, r1) -> {
      double[] row = new double[33];
      for (int r = r0; r < r1; r++) {
        Buffers.of(a).read(r * 33L, row, 0, 33);
        Buffers.of(b).write(r * 33L, row, 0, 33);
      }
    });
    assertArrayEquals(a.data().asFloat(), b.data().asFloat());
    assertTrue(Buffers.isDense(a));
    assertFalse(Buffers.isDense(a.transpose()));
  }
}
