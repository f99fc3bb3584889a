package org.evomoe.examples.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.nn.Linear;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The fused projections against the three {@link Linear}s run one by one (the straightforward
 * path): the same outputs, input gradient and parameter gradients, in double to 1e-12 and in
 * float to float rounding, with biases, and with some parameters frozen.
 */
class QkvProjectionTest {

  private static Linear[] linears(int d, int nq, int nk, boolean bias, DataType type, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    return new Linear[] {
      new Linear("q", d, nq, bias, type, rng),
      new Linear("k", d, nk, bias, type, rng),
      new Linear("v", d, nk, bias, type, rng)
    };
  }

  private static double maxDiff(INDArray a, INDArray b) {
    return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
  }

  @ParameterizedTest
  @CsvSource({
    "DOUBLE, 64, 64, 32, false, 1e-12, -1",
    "DOUBLE, 12, 8, 4, true, 1e-12, -1",
    "DOUBLE, 12, 8, 4, true, 1e-12, 1", // k frozen
    "FLOAT, 64, 64, 32, false, 2e-5, -1",
    "FLOAT, 48, 48, 48, true, 2e-5, 2" // v frozen (the vision encoder's shape, with biases)
  })
  void matchesTheThreeProjectionsOneByOne(DataType type, int d, int nq, int nk, boolean bias,
      double tol, int frozen) {
    Linear[] sep = linears(d, nq, nk, bias, type, 11);
    Linear[] fus = linears(d, nq, nk, bias, type, 11);
    if (frozen >= 0) {
      for (Parameter p : sep[frozen].parameters()) {
        p.setTrainable(false);
      }
      for (Parameter p : fus[frozen].parameters()) {
        p.setTrainable(false);
      }
    }
    int rows = 37;
    INDArray x = Nd4j.rand(type, rows, d).subi(0.5);
    INDArray dy = Nd4j.rand(type, rows, nq + 2 * nk).subi(0.5);
    QkvProjection qkv = new QkvProjection(fus[0], fus[1], fus[2]);
    INDArray y = qkv.forward(x);
    INDArray dx = qkv.backward(dy);
    int[] from = {0, nq, nq + nk};
    int[] width = {nq, nk, nk};
    INDArray dxSep = Nd4j.zeros(type, rows, d);
    for (int i = 0; i < 3; i++) {
      INDArray yi = sep[i].forward(x);
      INDArray cols = y.get(NDArrayIndex.all(), NDArrayIndex.interval(from[i], from[i] + width[i]));
      assertTrue(maxDiff(yi, cols) <= tol, "output " + i + " differs by " + maxDiff(yi, cols));
      INDArray dyi = dy.get(NDArrayIndex.all(), NDArrayIndex.interval(from[i], from[i] + width[i]))
          .dup('c');
      dxSep.addi(sep[i].backward(dyi));
    }
    assertTrue(maxDiff(dx, dxSep) <= tol, "input gradient differs by " + maxDiff(dx, dxSep));
    for (int i = 0; i < 3; i++) {
      List<Parameter> ps = sep[i].parameters();
      List<Parameter> pf = fus[i].parameters();
      for (int j = 0; j < ps.size(); j++) {
        if (!ps.get(j).trainable()) {
          assertFalse(pf.get(j).hasGrad(), pf.get(j).name() + " is frozen but got a gradient");
          continue;
        }
        double diff = maxDiff(ps.get(j).grad(), pf.get(j).grad());
        assertTrue(diff <= tol, ps.get(j).name() + " gradient differs by " + diff);
        assertTrue(pf.get(j).grad().amaxNumber().doubleValue() > 0, pf.get(j).name() + " no grad");
      }
    }
    // a second backward accumulates
    INDArray g1 = fus[0].weight().grad().dup();
    qkv.backward(dy);
    assertEquals(0.0, maxDiff(fus[0].weight().grad(), g1.mul(2)), tol * 4);
  }

  @Test
  void mismatchedProjectionsAreRejected() {
    SplittableRandom rng = new SplittableRandom(1);
    Linear q = new Linear("q", 8, 8, false, DataType.FLOAT, rng);
    Linear k = new Linear("k", 8, 4, false, DataType.FLOAT, rng);
    Linear v = new Linear("v", 8, 6, false, DataType.FLOAT, rng);
    Linear vb = new Linear("v", 8, 4, true, DataType.FLOAT, rng);
    assertThrows(IllegalArgumentException.class, () -> new QkvProjection(q, k, v));
    assertThrows(IllegalArgumentException.class, () -> new QkvProjection(q, k, vb));
    QkvProjection ok = new QkvProjection(q, k, new Linear("v", 8, 4, false, DataType.FLOAT, rng));
    assertThrows(IllegalStateException.class, () -> ok.backward(Nd4j.zeros(DataType.FLOAT, 2, 16)));
  }

  /**
   * The decoding form inside a scope: the three projections' columns, within rounding of the
   * separate Linears (plain-Java products on a copy made once per scope); null outside a scope and
   * for more than TransposedWeights.MAX_ROWS rows; a weight changed between scopes is seen.
   */
  @ParameterizedTest
  @CsvSource({"DOUBLE, 1e-12", "FLOAT, 2e-5"})
  void theFrozenFormMatchesTheProjectionsAndSeesChangesBetweenScopes(DataType type, double tol) {
    Linear[] sep = linears(12, 8, 4, true, type, 21);
    for (Linear l : sep) {
      l.bias().value().assign(Nd4j.rand(type, l.out()).subi(0.5));
    }
    QkvProjection fused = new QkvProjection(sep[0], sep[1], sep[2]);
    INDArray x = Nd4j.rand(type, 3, 12).subi(0.5);
    org.junit.jupiter.api.Assertions.assertNull(fused.frozenForward(x), "no scope");
    INDArray y;
    try (org.evomoe.tensor.FrozenWeights ignored = org.evomoe.tensor.FrozenWeights.open()) {
      y = fused.frozenForward(x).dup();
      org.junit.jupiter.api.Assertions.assertNull(fused.frozenForward(
          Nd4j.rand(type, org.evomoe.tensor.TransposedWeights.MAX_ROWS + 1, 12)), "many rows");
      org.junit.jupiter.api.Assertions.assertSame(fused.keptTransposed(),
          fused.keptTransposed(), "kept for the scope");
    }
    assertTrue(maxDiff(y.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 8)), sep[0].forward(x)) < tol);
    assertTrue(maxDiff(y.get(NDArrayIndex.all(), NDArrayIndex.interval(8, 12)), sep[1].forward(x)) < tol);
    assertTrue(maxDiff(y.get(NDArrayIndex.all(), NDArrayIndex.interval(12, 16)), sep[2].forward(x)) < tol);
    sep[1].weight().value().muli(-3); // between two scopes, no unscoped forward of the fused form
    sep[2].bias().value().addi(1);
    try (org.evomoe.tensor.FrozenWeights ignored = org.evomoe.tensor.FrozenWeights.open()) {
      y = fused.frozenForward(x).dup();
    }
    assertTrue(maxDiff(y.get(NDArrayIndex.all(), NDArrayIndex.interval(8, 12)), sep[1].forward(x)) < tol);
    assertTrue(maxDiff(y.get(NDArrayIndex.all(), NDArrayIndex.interval(12, 16)), sep[2].forward(x)) < tol);
  }
}
