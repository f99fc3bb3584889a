package org.evomoe.examples.model;

import static org.evomoe.examples.model.Grad.D;
import static org.evomoe.examples.model.Grad.maxAbsDiff;
import static org.evomoe.examples.model.Grad.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.grad.GradientCheck;
import org.evomoe.grad.GradientCheck.Target;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class MultiModalProjectorTest {
  /** x * Phi(x), Phi the standard normal CDF integrated from 0 by Simpson's rule (error &lt; 1e-12). */
  private static double erfGelu(double x) {
    int n = 4000;
    double h = x / n;
    double s = 0;
    for (int i = 0; i <= n; i++) {
      double t = i * h;
      double w = i == 0 || i == n ? 1 : (i % 2 == 1 ? 4 : 2);
      s += w * Math.exp(-t * t / 2);
    }
    double phi = 0.5 + s * h / 3 / Math.sqrt(2 * Math.PI);
    return x * phi;
  }

  @Test
  void tanhGeluStaysWithinDocumentedDistanceOfTheErfGelu() {
    double worst = 0;
    for (double x = -8; x <= 8; x += 1e-2) {
      worst = Math.max(worst, Math.abs(GeluMlp.gelu(x) - erfGelu(x)));
    }
    assertTrue(worst < 5e-4, "max |tanh gelu - erf gelu| = " + worst);
    assertTrue(worst > 1e-5, "the approximation is not the erf form: " + worst);
    assertEquals(0.0, GeluMlp.gelu(0.0));
    assertEquals(0.5, GeluMlp.geluDerivative(0.0), 1e-15);
    assertEquals(10.0, GeluMlp.gelu(10.0), 1e-12);
    assertEquals(0.0, GeluMlp.gelu(-10.0), 1e-12);
  }

  @Test
  void geluDerivativeMatchesCentralDifferences() {
    for (double x = -5; x <= 5; x += 0.37) {
      double num = (GeluMlp.gelu(x + 1e-6) - GeluMlp.gelu(x - 1e-6)) / 2e-6;
      assertEquals(num, GeluMlp.geluDerivative(x), 1e-8, "at x = " + x);
    }
  }

  @Test
  void forwardIsLinearGeluLinear() {
    MultiModalProjector p = new MultiModalProjector(6, 8, D, new SplittableRandom(2));
    p.mlp().first().bias().value().assign(normal(3, 8));
    p.mlp().second().bias().value().assign(normal(4, 8));
    INDArray x = normal(5, 7, 6);
    INDArray h = x.mmul(p.mlp().first().weight().value().transpose())
        .addRowVector(p.mlp().first().bias().value());
    INDArray a = h.dup();
    for (int i = 0; i < a.length(); i++) {
      a.putScalar(i, GeluMlp.gelu(h.getDouble(i)));
    }
    INDArray ref = a.mmul(p.mlp().second().weight().value().transpose())
        .addRowVector(p.mlp().second().bias().value());
    assertTrue(maxAbsDiff(p.forward(x), ref) < 1e-12);
  }

  @Test
  void gradientCheck() {
    MultiModalProjector p = new MultiModalProjector(6, 8, D, new SplittableRandom(7));
    p.mlp().first().bias().value().assign(normal(3, 8));
    INDArray x = normal(8, 9, 6).muli(2); // spread over GELU's curved region
    INDArray r = normal(9, 9, 8);
    p.zeroGrad();
    p.forward(x);
    INDArray dx = p.backward(r);
    Grad.assertAllParametersReached(p);
    Grad.check(() -> GradientCheck.dot(p.forward(x), r), Grad.targets(p, new Target("x", x, dx)), 40);
  }

  @Test
  void parameterNamesFollowTheLlavaLayout() {
    MultiModalProjector p = new MultiModalProjector(6, 8, D, new SplittableRandom(7));
    List<String> names = p.parameters().stream().map(Parameter::name).toList();
    assertEquals(List.of("multi_modal_projector.linear_1.weight", "multi_modal_projector.linear_1.bias",
        "multi_modal_projector.linear_2.weight", "multi_modal_projector.linear_2.bias"), names);
    assertEquals(List.of(8L, 6L), List.of(p.mlp().first().weight().value().shape()[0],
        p.mlp().first().weight().value().shape()[1]));
  }
}
