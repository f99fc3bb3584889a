package org.evomoe.router;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.SplittableRandom;
import org.evomoe.tensor.Threads;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The float path of the contracted hypernetwork's per-token passes against the generic path (rows
 * converted to double, the code every DTR gradient check runs through): the same bits, for the
 * demo's sizes and odd ones, token counts that leave a partial block, row-range views at an
 * offset, and one and two threads.
 */
class ContractedKernelsTest {

  /** A FLOAT array [rows, cols] of values in [-2, 2), as rows 3.. of a larger array (a view). */
  private static INDArray randomView(SplittableRandom rng, int rows, int cols) {
    INDArray big = Nd4j.createUninitialized(DataType.FLOAT, rows + 3, cols);
    float[] v = new float[(rows + 3) * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rng.nextDouble() * 4 - 2);
    }
    big.assign(Nd4j.createFromArray(v).reshape(rows + 3, cols));
    return big.get(NDArrayIndex.interval(3, rows + 3), NDArrayIndex.all());
  }

  private static INDArray zeros(int rows, int cols) {
    return Nd4j.zeros(DataType.FLOAT, rows, cols);
  }

  @ParameterizedTest
  @CsvSource({
    "8, 32, 65, 544, 1", // the demo model's DTR (r = 8, m = 32, h = 64), one modality's tokens
    "8, 32, 65, 37, 2",
    "3, 5, 7, 1, 1",
    "3, 5, 7, 100, 2",
    "1, 2, 2, 17, 1"
  })
  void floatPathGivesTheGenericPathsBits(int r, int m, int hp, int n, int threads) {
    SplittableRandom rng = new SplittableRandom(31L * n + r);
    INDArray q = randomView(rng, n, 2 * r * hp);
    INDArray hid = randomView(rng, n, hp);
    INDArray thetaUp = randomView(rng, n, m * r);
    INDArray dE = randomView(rng, n, m);
    try (Threads.Scope ignored = Threads.use(threads)) {
      INDArray a1 = zeros(n, 2 * r), b1 = zeros(n, r), e1 = zeros(n, m);
      INDArray a2 = zeros(n, 2 * r), b2 = zeros(n, r), e2 = zeros(n, m);
      ContractedKernels.forward(r, m, hp, q, hid, thetaUp, a1, b1, e1);
      ContractedKernels.forwardGeneric(r, m, hp, q, hid, thetaUp, a2, b2, e2);
      assertArrayEquals(a2.data().asFloat(), a1.data().asFloat(), "a");
      assertArrayEquals(b2.data().asFloat(), b1.data().asFloat(), "b");
      assertArrayEquals(e2.data().asFloat(), e1.data().asFloat(), "e");
      assertNotEquals(0.0, e1.amaxNumber().doubleValue(), "e was written");

      INDArray dt1 = zeros(n, m * r), dq1 = zeros(n, 2 * r * hp), dh1 = zeros(n, hp);
      INDArray dt2 = zeros(n, m * r), dq2 = zeros(n, 2 * r * hp), dh2 = zeros(n, hp);
      ContractedKernels.backward(r, m, hp, dE, a1, b1, thetaUp, q, hid, dt1, dq1, dh1);
      ContractedKernels.backwardGeneric(r, m, hp, dE, a1, b1, thetaUp, q, hid, dt2, dq2, dh2);
      assertArrayEquals(dt2.data().asFloat(), dt1.data().asFloat(), "dThetaUp");
      assertArrayEquals(dq2.data().asFloat(), dq1.data().asFloat(), "dq");
      assertArrayEquals(dh2.data().asFloat(), dh1.data().asFloat(), "dHid");
      assertNotEquals(0.0, dq1.amaxNumber().doubleValue(), "dq was written");
    }
  }

  @ParameterizedTest
  @CsvSource({"3, 5, 7, 9"})
  void outputViewsAtAnOffsetAreWrittenInPlace(int r, int m, int hp, int n) {
    SplittableRandom rng = new SplittableRandom(5);
    INDArray q = randomView(rng, n, 2 * r * hp);
    INDArray hid = randomView(rng, n, hp);
    INDArray thetaUp = randomView(rng, n, m * r);
    INDArray a1 = randomView(rng, n, 2 * r), b1 = randomView(rng, n, r);
    INDArray e1 = randomView(rng, n, m);
    INDArray a2 = zeros(n, 2 * r), b2 = zeros(n, r), e2 = zeros(n, m);
    ContractedKernels.forward(r, m, hp, q, hid, thetaUp, a1, b1, e1);
    ContractedKernels.forwardGeneric(r, m, hp, q, hid, thetaUp, a2, b2, e2);
    assertArrayEquals(a2.dup().data().asFloat(), a1.dup().data().asFloat(), "a (view)");
    assertArrayEquals(b2.dup().data().asFloat(), b1.dup().data().asFloat(), "b (view)");
    assertArrayEquals(e2.dup().data().asFloat(), e1.dup().data().asFloat(), "e (view)");
  }
}
