package org.evomoe.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class GradientClippingTest {

  private static Parameter withGrad(String name, double[] g, DataType type) {
    Parameter p = new Parameter(name, Nd4j.zeros(type, g.length), true);
    p.grad().assign(Nd4j.createFromArray(g).castTo(type));
    return p;
  }

  @Test
  void aboveMaxNormScalesEveryGradientByTheSameFactor() {
    // Global norm of (3, 4) and (12) is 13.
    Parameter a = withGrad("a", new double[] {3, 4}, DataType.DOUBLE);
    Parameter b = withGrad("b", new double[] {12}, DataType.DOUBLE);
    double norm = GradientClipping.clipByGlobalNorm(List.of(a, b), 6.5);
    assertEquals(13.0, norm, 1e-12);
    double scale = 6.5 / (13.0 + GradientClipping.NORM_GUARD);
    assertArrayEquals(new double[] {3 * scale, 4 * scale}, a.grad().toDoubleVector(), 1e-12);
    assertArrayEquals(new double[] {12 * scale}, b.grad().toDoubleVector(), 1e-12);
    double after = GradientClipping.globalNorm(List.of(a, b));
    assertTrue(after <= 6.5 && after > 6.5 - 1e-5, "post-clip norm " + after);
  }

  @Test
  void atOrBelowMaxNormNothingChanges() {
    Parameter a = withGrad("a", new double[] {3, 4}, DataType.FLOAT);
    double norm = GradientClipping.clipByGlobalNorm(List.of(a), 5.0);
    assertEquals(5.0, norm, 1e-6);
    assertArrayEquals(new float[] {3f, 4f}, a.grad().toFloatVector(), 0f);
  }

  @Test
  void frozenAndGradientlessParametersDoNotCount() {
    Parameter a = withGrad("a", new double[] {3, 4}, DataType.FLOAT);
    Parameter frozen = new Parameter("f", Nd4j.ones(DataType.FLOAT, 100), false);
    Parameter untouched = new Parameter("u", Nd4j.ones(DataType.FLOAT, 100), true);
    assertEquals(5.0, GradientClipping.clipByGlobalNorm(List.of(a, frozen, untouched), 1.0), 1e-6);
    assertEquals(1.0, GradientClipping.globalNorm(List.of(a)), 1e-5);
    assertTrue(!frozen.hasGrad() && !untouched.hasGrad());
  }

  @Test
  void nonHostTypesUseTheNd4jPathWithTheSameResult() {
    // HALF is not read through the fused path.
    Parameter h = withGrad("h", new double[] {0.5, -0.5, 1.0, 1.0, 0.5}, DataType.HALF);
    Parameter f = withGrad("f", new double[] {0.5, -0.5, 1.0, 1.0, 0.5}, DataType.FLOAT);
    double expected = Math.sqrt(0.25 * 3 + 2);
    assertEquals(expected, GradientClipping.globalNorm(List.of(h)), 1e-3);
    assertEquals(expected, GradientClipping.globalNorm(List.of(f)), 1e-6);
    GradientClipping.clipByGlobalNorm(List.of(h), 1.0);
    assertEquals(1.0, GradientClipping.globalNorm(List.of(h)), 2e-3);
  }

  @Test
  void nonFiniteNormLeavesGradientsUnchanged() {
    Parameter a = withGrad("a", new double[] {Double.NaN, 1}, DataType.DOUBLE);
    double norm = GradientClipping.clipByGlobalNorm(List.of(a), 1.0);
    assertTrue(Double.isNaN(norm));
    assertEquals(1.0, a.grad().getDouble(1), 0.0);
  }

  @Test
  void maxNormMustBePositiveAndFinite() {
    Parameter a = withGrad("a", new double[] {3, 4}, DataType.FLOAT);
    for (double bad : new double[] {0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY}) {
      var e = assertThrows(IllegalArgumentException.class, () -> GradientClipping.clipByGlobalNorm(List.of(a), bad));
      assertTrue(e.getMessage().contains("maxNorm"), e.getMessage());
    }
    assertArrayEquals(new float[] {3f, 4f}, a.grad().toFloatVector(), 0f);
  }
}
