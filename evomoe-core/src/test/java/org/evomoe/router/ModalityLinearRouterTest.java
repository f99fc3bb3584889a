package org.evomoe.router;

import static org.evomoe.TestArrays.maxAbsDiff;
import static org.evomoe.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.grad.GradientCheck;
import org.evomoe.grad.GradientCheck.Target;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ModalityLinearRouterTest {
  private static final DataType D = DataType.DOUBLE;

  /** A fixed interleaving of both modalities (starts I I T T T I T I T). */
  static Modality[] mixed(int t) {
    Modality[] tags = new Modality[t];
    for (int i = 0; i < t; i++) {
      tags[i] = (i * 7 + i / 3) % 3 == 0 || i % 4 == 1 ? Modality.IMAGE : Modality.TEXT;
    }
    return tags;
  }

  static GradientCheck.Options options() {
    return new GradientCheck.Options(1e-6, 1e-5, 1e-8, 80, 7);
  }

  @Test
  void parameterNamesFollowTheModalities() {
    ModalityLinearRouter r =
        new ModalityLinearRouter("model.layers.0.mlp.gate", 6, 4, D, new SplittableRandom(1));
    assertEquals(
        List.of("model.layers.0.mlp.gate.image.weight", "model.layers.0.mlp.gate.text.weight"),
        r.parameters().stream().map(Parameter::name).toList());
    assertEquals(List.of(4L, 6L), List.of(r.weight(Modality.TEXT).value().shape()[0],
        r.weight(Modality.TEXT).value().shape()[1]));
  }

  @Test
  void eachTokenUsesTheMatrixOfItsModality() {
    ModalityLinearRouter r = new ModalityLinearRouter("gate", 5, 3, D, new SplittableRandom(2));
    INDArray x = normal(3, 9, 5);
    Modality[] tags = mixed(9);
    INDArray logits = r.forward(x, tags);
    double[][] xs = x.toDoubleMatrix();
    for (int t = 0; t < 9; t++) {
      double[][] w = r.weight(tags[t]).value().toDoubleMatrix();
      for (int e = 0; e < 3; e++) {
        double s = 0;
        for (int i = 0; i < 5; i++) {
          s += w[e][i] * xs[t][i];
        }
        assertEquals(s, logits.getDouble(t, e), 1e-12, "token " + t + " expert " + e);
      }
    }
  }

  @Test
  void singleModalityBatchEqualsTheLinearRouterWithThatModalitysMatrix() {
    ModalityLinearRouter r = new ModalityLinearRouter("gate", 6, 4, D, new SplittableRandom(5));
    LinearRouter lin = new LinearRouter("lin", 6, 4, D, new SplittableRandom(9));
    lin.weight().value().assign(r.weight(Modality.IMAGE).value());
    INDArray x = normal(1, 7, 6);
    INDArray dl = normal(2, 7, 4);
    Modality[] tags = Modality.all(7, Modality.IMAGE);
    assertTrue(maxAbsDiff(r.forward(x, tags), lin.forward(x, tags)) < 1e-14);
    assertTrue(maxAbsDiff(r.backward(dl), lin.backward(dl)) < 1e-14);
    assertTrue(maxAbsDiff(r.weight(Modality.IMAGE).grad(), lin.weight().grad()) < 1e-14);
    assertFalse(r.weight(Modality.TEXT).hasGrad(), "text matrix unused by an image-only batch");
  }

  @Test
  void gradientCheckMixedBatch() {
    ModalityLinearRouter r = new ModalityLinearRouter("gate", 6, 4, D, new SplittableRandom(3));
    check(r, normal(4, 9, 6), mixed(9));
    for (Modality m : Modalities.IMAGE_TEXT.all()) {
      assertTrue(r.weight(m).grad().amaxNumber().doubleValue() > 0, m + " got no gradient");
    }
  }

  @Test
  void gradientCheckWithOneModalityAbsent() {
    for (Modality present : Modalities.IMAGE_TEXT.all()) {
      ModalityLinearRouter r = new ModalityLinearRouter("gate", 6, 4, D, new SplittableRandom(3));
      check(r, normal(4, 5, 6), Modality.all(5, present));
      for (Modality m : Modalities.IMAGE_TEXT.all()) {
        if (!m.equals(present)) {
          assertFalse(r.weight(m).hasGrad(), m + " is absent but got a gradient");
        }
      }
    }
  }

  @Test
  void absentModalityGetsNothingAfterAMixedBatch() {
    ModalityLinearRouter r = new ModalityLinearRouter("gate", 6, 4, D, new SplittableRandom(3));
    r.forward(normal(1, 8, 6), mixed(8));
    r.backward(normal(2, 8, 4));
    r.zeroGrad();
    r.forward(normal(3, 4, 6), Modality.all(4, Modality.TEXT));
    r.backward(normal(4, 4, 4));
    assertEquals(0.0, r.weight(Modality.IMAGE).grad().amaxNumber().doubleValue());
    assertTrue(r.weight(Modality.TEXT).grad().amaxNumber().doubleValue() > 0);
  }

  @Test
  void frozenRouterStillPassesTheInputGradient() {
    ModalityLinearRouter r = new ModalityLinearRouter("gate", 6, 4, D, new SplittableRandom(3));
    r.setTrainable(false);
    check(r, normal(4, 9, 6), mixed(9));
    for (Parameter p : r.parameters()) {
      assertFalse(p.hasGrad());
    }
  }

  @Test
  void zeroTokens() {
    ModalityLinearRouter r = new ModalityLinearRouter("gate", 6, 4, D, new SplittableRandom(3));
    assertEquals(0, r.forward(Nd4j.zeros(D, 0, 6), new Modality[0]).size(0));
    assertEquals(0, r.backward(Nd4j.zeros(D, 0, 4)).size(0));
  }

  @Test
  void badInputNamesTheShape() {
    ModalityLinearRouter r = new ModalityLinearRouter("gate", 6, 4, D, new SplittableRandom(3));
    assertMessage("[5, 7]", () -> r.forward(normal(1, 5, 7), Modality.all(5, Modality.TEXT)));
    assertMessage("length 4", () -> r.forward(normal(1, 5, 6), Modality.all(4, Modality.TEXT)));
    Modality[] withNull = Modality.all(5, Modality.TEXT);
    withNull[3] = null;
    assertMessage("token 3", () -> r.forward(normal(1, 5, 6), withNull));
    assertThrows(IllegalStateException.class, () -> r.backward(normal(1, 5, 4)));
    r.forward(normal(1, 5, 6), mixed(5));
    assertMessage("[5, 3]", () -> r.backward(normal(1, 5, 3)));
    assertMessage("dModel must be positive, got 0",
        () -> new ModalityLinearRouter("gate", 0, 4, D, new SplittableRandom(1)));
    assertMessage("numExperts must be positive, got -2",
        () -> new ModalityLinearRouter("gate", 6, -2, D, new SplittableRandom(1)));
  }

  @Test
  void groupsGatherAndScatterRoundTrip() {
    Modality[] tags = mixed(11);
    ModalityGroups g = ModalityGroups.of(tags);
    INDArray x = normal(5, 11, 3);
    INDArray back = Nd4j.zeros(D, 11, 3);
    for (Modality m : Modalities.IMAGE_TEXT.all()) {
      INDArray block = g.gather(x, m);
      assertEquals(g.count(m), block.size(0));
      int[] rows = g.rows(m);
      for (int i = 0; i < rows.length; i++) {
        assertEquals(tags[rows[i]], m);
        assertEquals(0.0, maxAbsDiff(block.getRow(i), x.getRow(rows[i])));
      }
      g.scatter(block, m, back);
    }
    assertEquals(0.0, maxAbsDiff(back, x));
    assertMessage("[2, 3]", () -> g.scatter(Nd4j.zeros(D, 2, 3), Modality.TEXT, back));
    assertMessage("[4, 3]", () -> g.gather(Nd4j.zeros(D, 4, 3), Modality.TEXT));
  }

  static void check(Router r, INDArray x, Modality[] tags) {
    r.zeroGrad();
    INDArray y = r.forward(x, tags);
    INDArray rr = normal(99, y.shape());
    INDArray dx = r.backward(rr);
    List<Target> targets = new ArrayList<>();
    targets.add(new Target("input", x, dx));
    for (Parameter p : r.parameters()) {
      if (p.hasGrad()) {
        targets.add(Target.of(p));
      }
    }
    GradientCheck.check(() -> GradientCheck.dot(r.forward(x, tags), rr), targets, options())
        .assertPassed();
  }

  static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable ex) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ex);
    assertTrue(e.getMessage().contains(fragment),
        "message '" + e.getMessage() + "' lacks '" + fragment + "'");
  }
}
