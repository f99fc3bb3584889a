package org.evomoe.examples.model;

import static org.evomoe.examples.model.Grad.maxAbsDiff;
import static org.evomoe.examples.model.Grad.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.evomoe.grad.GradientCheck;
import org.evomoe.grad.GradientCheck.Target;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class RotaryEmbeddingTest {
  /** Hugging Face's formula written out: x * cos + rotate_half(x) * sin, cos/sin duplicated. */
  private static double[] hfRope(double[] x, int pos, double theta) {
    int dh = x.length;
    int half = dh / 2;
    double[] out = new double[dh];
    for (int j = 0; j < dh; j++) {
      int i = j % half;
      double freq = 1.0 / Math.pow(theta, (double) (2 * i) / dh);
      double rotateHalf = j < half ? -x[j + half] : x[j - half];
      out[j] = x[j] * Math.cos(pos * freq) + rotateHalf * Math.sin(pos * freq);
    }
    return out;
  }

  @Test
  void matchesTheHuggingFaceRotateHalfFormulaForEveryHead() {
    RotaryEmbedding rope = new RotaryEmbedding(6, 10000);
    INDArray x = normal(1, 4, 12); // 4 rows, 2 heads of width 6
    int[] pos = {0, 3, 17, 250};
    INDArray y = rope.forward(x, pos);
    for (int r = 0; r < 4; r++) {
      for (int h = 0; h < 2; h++) {
        double[] head = new double[6];
        for (int j = 0; j < 6; j++) {
          head[j] = x.getDouble(r, h * 6 + j);
        }
        double[] ref = hfRope(head, pos[r], 10000);
        for (int j = 0; j < 6; j++) {
          assertEquals(ref[j], y.getDouble(r, h * 6 + j), 1e-13, "row " + r + " head " + h);
        }
      }
    }
  }

  @Test
  void handComputedValuesForAFourWideHead() {
    // dh = 4, theta = 100: inv_freq = (1, 0.1). Position 2: angles (2, 0.2). x = (1, 2, 3, 4):
    // out = (1 cos2 - 3 sin2, 2 cos.2 - 4 sin.2, 3 cos2 + 1 sin2, 4 cos.2 + 2 sin.2).
    RotaryEmbedding rope = new RotaryEmbedding(4, 100);
    assertEquals(0.1, rope.inverseFrequency(1), 1e-15);
    INDArray y = rope.forward(Nd4j.create(new double[][] {{1, 2, 3, 4}}), new int[] {2});
    double[] expected = {
      Math.cos(2) - 3 * Math.sin(2), 2 * Math.cos(0.2) - 4 * Math.sin(0.2),
      3 * Math.cos(2) + Math.sin(2), 4 * Math.cos(0.2) + 2 * Math.sin(0.2)
    };
    for (int j = 0; j < 4; j++) {
      assertEquals(expected[j], y.getDouble(0, j), 1e-14);
    }
  }

  @Test
  void positionZeroIsTheIdentityAndNormsArePreserved() {
    RotaryEmbedding rope = new RotaryEmbedding(8, 10000);
    INDArray x = normal(2, 3, 16);
    assertEquals(0.0, maxAbsDiff(rope.forward(x, new int[] {0, 0, 0}), x));
    INDArray y = rope.forward(x, new int[] {5, 9, 1000});
    for (int r = 0; r < 3; r++) {
      for (int h = 0; h < 2; h++) {
        // Each pair (i, i + 4) is rotated: its norm is kept.
        for (int i = 0; i < 4; i++) {
          double a = Math.hypot(x.getDouble(r, h * 8 + i), x.getDouble(r, h * 8 + i + 4));
          double b = Math.hypot(y.getDouble(r, h * 8 + i), y.getDouble(r, h * 8 + i + 4));
          assertEquals(a, b, 1e-12);
        }
      }
    }
  }

  @Test
  void dotProductsDependOnlyOnRelativePosition() {
    RotaryEmbedding rope = new RotaryEmbedding(8, 500);
    INDArray q = normal(3, 1, 8);
    INDArray k = normal(4, 1, 8);
    double d1 = GradientCheck.dot(rope.forward(q, new int[] {7}), rope.forward(k, new int[] {3}));
    double d2 = GradientCheck.dot(rope.forward(q, new int[] {40}), rope.forward(k, new int[] {36}));
    double d3 = GradientCheck.dot(rope.forward(q, new int[] {7}), rope.forward(k, new int[] {4}));
    assertEquals(d1, d2, 1e-12);
    assertTrue(Math.abs(d1 - d3) > 1e-6, "a different offset must change the score");
  }

  @Test
  void thetaChangesTheFrequencies() {
    INDArray x = normal(5, 1, 8);
    INDArray a = new RotaryEmbedding(8, 10000).forward(x, new int[] {3});
    INDArray b = new RotaryEmbedding(8, 500000).forward(x, new int[] {3});
    assertTrue(maxAbsDiff(a, b) > 1e-4);
    // The first pair always turns at frequency 1 regardless of theta.
    assertEquals(a.getDouble(0, 0), b.getDouble(0, 0), 1e-14);
  }

  @Test
  void backwardIsTheInverseRotationAndPassesTheGradientCheck() {
    RotaryEmbedding rope = new RotaryEmbedding(4, 10000);
    INDArray x = normal(6, 5, 8);
    int[] pos = {0, 1, 2, 30, 4};
    INDArray r = normal(7, 5, 8);
    INDArray dx = rope.backward(r, pos);
    Grad.check(() -> GradientCheck.dot(rope.forward(x, pos), r),
        List.of(new Target("x", x, dx)), 40);
    assertTrue(maxAbsDiff(rope.backward(rope.forward(x, pos), pos), x) < 1e-14);
  }

  @Test
  void badArgumentsAreNamed() {
    assertThrows(IllegalArgumentException.class, () -> new RotaryEmbedding(5, 10000));
    assertThrows(IllegalArgumentException.class, () -> new RotaryEmbedding(4, 0));
    RotaryEmbedding rope = new RotaryEmbedding(4, 10000);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> rope.forward(normal(1, 2, 8), new int[] {0, -1}));
    assertTrue(e.getMessage().contains("negative"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> rope.forward(normal(1, 2, 8), new int[] {0}));
    assertTrue(e.getMessage().contains("one entry per row"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> rope.forward(normal(1, 2, 6), new int[] {0, 1}));
    assertTrue(e.getMessage().contains("[2, 6]"), e.getMessage());
  }
}
