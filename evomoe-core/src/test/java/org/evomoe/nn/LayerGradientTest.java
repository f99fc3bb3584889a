package org.evomoe.nn;

import static org.evomoe.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.evomoe.grad.GradientCheck;
import org.evomoe.grad.GradientCheck.Target;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Finite-difference checks of every hand-written backward in org.evomoe.nn (double precision). */
class LayerGradientTest {
  private static final DataType D = DataType.DOUBLE;

  /** loss = sum(forward(x) * r); checks d/dx and d/dparams. */
  static void checkLayer(
      Layer layer, UnaryOperator<INDArray> forward, UnaryOperator<INDArray> backward, INDArray x) {
    layer.zeroGrad();
    INDArray y = forward.apply(x);
    INDArray r = normal(99, y.shape());
    INDArray dx = backward.apply(r);
    List<Target> targets = new ArrayList<>();
    targets.add(new Target("input", x, dx));
    for (Parameter p : layer.parameters()) {
      if (p.trainable()) {
        targets.add(Target.of(p));
      }
    }
    GradientCheck.check(
            () -> GradientCheck.dot(forward.apply(x), r), targets, GradientCheck.Options.defaults())
        .assertPassed();
  }

  @Test
  void linearWithBias() {
    Linear l = new Linear("lin", 5, 3, true, D, new SplittableRandom(1));
    l.bias().value().assign(normal(5, 3));
    checkLayer(l, l::forward, l::backward, normal(2, 4, 5));
  }

  @Test
  void linearWithoutBias() {
    Linear l = new Linear("lin", 6, 2, false, D, new SplittableRandom(1));
    checkLayer(l, l::forward, l::backward, normal(3, 7, 6));
  }

  @Test
  void rmsNorm() {
    RmsNorm n = new RmsNorm("norm", 8, 1e-6, D);
    n.weight().value().assign(normal(4, 8));
    checkLayer(n, n::forward, n::backward, normal(5, 6, 8));
  }

  @Test
  void swiGluFfn() {
    SwiGluFfn f = new SwiGluFfn("mlp", 6, 10, D, new SplittableRandom(3));
    checkLayer(f, f::forward, f::backward, normal(6, 5, 6));
  }

  @Test
  void swiGluFfnFrozenWeightsGetNoGradientButInputGradientIsExact() {
    SwiGluFfn f = new SwiGluFfn("mlp", 4, 7, D, new SplittableRandom(3));
    f.setTrainable(false);
    checkLayer(f, f::forward, f::backward, normal(7, 3, 4));
    for (Parameter p : f.parameters()) {
      assertFalse(p.hasGrad(), p.name() + " is frozen but has a gradient buffer");
    }
  }

  @Test
  void swiGluFfnWithZeroTokens() {
    SwiGluFfn f = new SwiGluFfn("mlp", 4, 7, D, new SplittableRandom(3));
    INDArray y = f.forward(org.nd4j.linalg.factory.Nd4j.zeros(D, 0, 4));
    assertEquals(0, y.size(0));
    INDArray dx = f.backward(org.nd4j.linalg.factory.Nd4j.zeros(D, 0, 4));
    assertEquals(0, dx.size(0));
    assertEquals(0.0, f.gate().grad().amaxNumber().doubleValue());
  }

  @Test
  void softmaxCrossEntropy() {
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    INDArray logits = normal(8, 5, 7).muli(3);
    int[] targets = {2, SoftmaxCrossEntropy.IGNORE, 0, 6, 3};
    ce.forward(logits, targets);
    INDArray d = ce.backward();
    GradientCheck.check(
            () -> new SoftmaxCrossEntropy().forward(logits, targets),
            List.of(new Target("logits", logits, d)),
            GradientCheck.Options.defaults())
        .assertPassed();
    assertEquals(0.0, d.getRow(1).amaxNumber().doubleValue(), "ignored row has gradient");
  }

  @Test
  void softmaxCrossEntropyMatchesClosedForm() {
    // Two classes with logits (0, ln 3): p = (1/4, 3/4); loss of target 0 is ln 4.
    INDArray logits = org.nd4j.linalg.factory.Nd4j.create(new double[][] {{0, Math.log(3)}});
    assertEquals(Math.log(4), new SoftmaxCrossEntropy().forward(logits, new int[] {0}), 1e-12);
  }

  @Test
  void badShapesAreRejectedWithTheShapeInTheMessage() {
    Linear l = new Linear("lin", 5, 3, true, D, new SplittableRandom(1));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> l.forward(normal(1, 4, 6)));
    assertTrue(e.getMessage().contains("[4, 6]"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new SwiGluFfn("m", 0, 4, D, new SplittableRandom(1)));
    assertThrows(IllegalArgumentException.class, () -> new RmsNorm("n", 4, 0, D));
    assertThrows(IllegalArgumentException.class,
        () -> new SoftmaxCrossEntropy().forward(normal(1, 2, 3), new int[] {0, 3}));
  }

  private static void assertTrue(boolean b, String msg) {
    org.junit.jupiter.api.Assertions.assertTrue(b, msg);
  }
}
