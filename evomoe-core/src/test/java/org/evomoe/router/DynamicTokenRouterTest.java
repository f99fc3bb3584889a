package org.evomoe.router;

import static org.evomoe.TestArrays.maxAbsDiff;
import static org.evomoe.TestArrays.normal;
import static org.evomoe.router.ModalityLinearRouterTest.assertMessage;
import static org.evomoe.router.ModalityLinearRouterTest.check;
import static org.evomoe.router.ModalityLinearRouterTest.mixed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class DynamicTokenRouterTest {
  private static final DataType D = DataType.DOUBLE;

  /** d = 6, E = 4, r = 2, m = 3, h = 5: every dimension distinct, so layout mix-ups show. */
  static Sized small(HyperActivation act, ThetaContraction order, boolean phiBias) {
    return new Sized(6, 4, new DtrConfig(2, 3, 5, act, phiBias, order));
  }

  /** A DTR configuration with the layer's width d and expert count E it is used with. */
  record Sized(int d, int e, DtrConfig c) {
    Sized withContraction(ThetaContraction order) {
      return new Sized(d, e, c.withContraction(order));
    }
  }

  /** A router with every bias set to non-zero values (the initial zeros would hide bias bugs). */
  static DynamicTokenRouter router(Sized c, DataType type, long seed) {
    DynamicTokenRouter r =
        new DynamicTokenRouter("gate", c.d(), c.e(), c.c(), type, new SplittableRandom(seed));
    long s = seed * 31;
    for (Parameter p : r.parameters()) {
      if (p.name().endsWith(".bias")) {
        p.value().assign(normal(++s, p.value().shape()).muli(0.3));
      }
    }
    return r;
  }

  // ---- the per-token loop oracle ----------------------------------------------------------------

  private static double activation(HyperActivation a, double x) {
    return switch (a) {
      case NONE -> x;
      case SILU -> x / (1 + Math.exp(-x));
      case TANH -> Math.tanh(x);
      case GELU_TANH ->
          0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * Math.pow(x, 3))));
    };
  }

  /**
   * Logits of one token with plain loops: hidden -> Theta vector -> Theta_down [2r][d] and
   * Theta_up [m][r] matrices -> SwiGLU bottleneck -> phi.
   */
  static double[] oracle(DynamicTokenRouter router, double[] z, Modality mod) {
    DtrConfig c = router.config();
    int d = router.inputDim();
    int r = c.rank();
    int m = c.embedDim();
    int h = c.hyperHidden();
    int p = 2 * r * d + m * r;
    double[][] w1 = router.hyperFc1Weight(mod).value().toDoubleMatrix();
    double[] b1 = router.hyperFc1Bias(mod).value().toDoubleVector();
    double[][] w2 = router.hyperFc2Weight(mod).value().toDoubleMatrix();
    double[] b2 = router.hyperFc2Bias(mod).value().toDoubleVector();
    double[] hidden = new double[h];
    for (int k = 0; k < h; k++) {
      double s = b1[k];
      for (int i = 0; i < d; i++) {
        s += w1[k][i] * z[i];
      }
      hidden[k] = activation(c.activation(), s);
    }
    double[] theta = new double[p];
    for (int q = 0; q < p; q++) {
      double s = b2[q];
      for (int k = 0; k < h; k++) {
        s += w2[q][k] * hidden[k];
      }
      theta[q] = s;
    }
    double[][] down = new double[2 * r][d];
    for (int j = 0; j < 2 * r; j++) {
      for (int i = 0; i < d; i++) {
        down[j][i] = theta[j * d + i];
      }
    }
    double[][] up = new double[m][r];
    for (int o = 0; o < m; o++) {
      for (int j = 0; j < r; j++) {
        up[o][j] = theta[2 * r * d + o * r + j];
      }
    }
    double[] a = new double[2 * r];
    for (int j = 0; j < 2 * r; j++) {
      for (int i = 0; i < d; i++) {
        a[j] += down[j][i] * z[i];
      }
    }
    double[] b = new double[r];
    for (int j = 0; j < r; j++) {
      b[j] = a[j] / (1 + Math.exp(-a[j])) * a[r + j];
    }
    double[] e = new double[m];
    for (int o = 0; o < m; o++) {
      for (int j = 0; j < r; j++) {
        e[o] += up[o][j] * b[j];
      }
    }
    double[][] phiW = router.phiWeight().value().toDoubleMatrix();
    double[] phiB =
        router.phiBias() == null ? new double[router.numExperts()] : router.phiBias().value().toDoubleVector();
    double[] logits = new double[router.numExperts()];
    for (int x = 0; x < logits.length; x++) {
      logits[x] = phiB[x];
      for (int o = 0; o < m; o++) {
        logits[x] += phiW[x][o] * e[o];
      }
    }
    return logits;
  }

  @ParameterizedTest
  @CsvSource({
    "NONE,CONTRACTED", "NONE,MATERIALISED", "SILU,CONTRACTED", "SILU,MATERIALISED",
    "GELU_TANH,CONTRACTED", "TANH,MATERIALISED"
  })
  void matchesThePerTokenLoopOracle(HyperActivation act, ThetaContraction order) {
    Sized c = new Sized(12, 5, new DtrConfig(3, 4, 7, act, true, order));
    DynamicTokenRouter r = router(c, D, 17);
    INDArray x = normal(3, 10, 12);
    Modality[] tags = mixed(10);
    INDArray logits = r.forward(x, tags);
    assertArrayEquals(new long[] {10, 5}, logits.shape());
    double[][] xs = x.toDoubleMatrix();
    double scale = 0;
    for (int t = 0; t < 10; t++) {
      double[] ref = oracle(r, xs[t], tags[t]);
      for (int e = 0; e < 5; e++) {
        assertEquals(ref[e], logits.getDouble(t, e), 1e-10, "token " + t + " expert " + e);
        scale = Math.max(scale, Math.abs(ref[e]));
      }
    }
    assertTrue(scale > 0.1, "logits too small to be a meaningful comparison: " + scale);
  }

  @Test
  void modalitiesUseDifferentHypernetworks() {
    DynamicTokenRouter r = router(small(HyperActivation.NONE, ThetaContraction.CONTRACTED, false), D, 4);
    INDArray x = normal(2, 3, 6);
    INDArray asImage = r.forward(x, Modality.all(3, Modality.IMAGE));
    INDArray asText = r.forward(x, Modality.all(3, Modality.TEXT));
    assertTrue(maxAbsDiff(asImage, asText) > 1e-3, "same logits for both modalities");
    // Copying the image hypernetwork into the text one makes the two agree exactly.
    List<Parameter> img = r.hyperParameters(Modality.IMAGE);
    List<Parameter> txt = r.hyperParameters(Modality.TEXT);
    for (int i = 0; i < img.size(); i++) {
      txt.get(i).value().assign(img.get(i).value());
    }
    assertEquals(0.0, maxAbsDiff(asImage, r.forward(x, Modality.all(3, Modality.TEXT))));
  }

  @ParameterizedTest
  @EnumSource(HyperActivation.class)
  void contractedAndMaterialisedOrdersAgreeInValueAndEveryGradient(HyperActivation act) {
    Sized c = new Sized(10, 4, new DtrConfig(3, 5, 6, act, true, ThetaContraction.CONTRACTED));
    DynamicTokenRouter fast = router(c, D, 8);
    DynamicTokenRouter ref = router(c.withContraction(ThetaContraction.MATERIALISED), D, 8);
    INDArray x = normal(1, 13, 10);
    INDArray dl = normal(2, 13, 4);
    Modality[] tags = mixed(13);
    assertTrue(maxAbsDiff(fast.forward(x, tags), ref.forward(x, tags)) < 1e-12);
    assertTrue(maxAbsDiff(fast.backward(dl), ref.backward(dl)) < 1e-12);
    List<Parameter> pf = fast.parameters();
    List<Parameter> pr = ref.parameters();
    for (int i = 0; i < pf.size(); i++) {
      double diff = maxAbsDiff(pf.get(i).grad(), pr.get(i).grad());
      assertTrue(diff < 1e-12, pf.get(i).name() + " gradient differs by " + diff);
      assertTrue(pf.get(i).grad().amaxNumber().doubleValue() > 0, pf.get(i).name() + " is zero");
    }
  }

  @ParameterizedTest
  @CsvSource({
    "NONE,CONTRACTED,true", "NONE,MATERIALISED,false", "SILU,CONTRACTED,false",
    "SILU,MATERIALISED,true", "GELU_TANH,CONTRACTED,true", "TANH,CONTRACTED,false"
  })
  void gradientCheckMixedBatch(HyperActivation act, ThetaContraction order, boolean phiBias) {
    DynamicTokenRouter r = router(small(act, order, phiBias), D, 5);
    check(r, normal(6, 9, 6), mixed(9));
    // Every parameter took part and was checked.
    for (Parameter p : r.parameters()) {
      assertTrue(p.hasGrad() && p.grad().amaxNumber().doubleValue() > 0, p.name() + " has no gradient");
    }
  }

  @ParameterizedTest
  @CsvSource({
    "NONE,CONTRACTED,TEXT", "NONE,MATERIALISED,IMAGE", "SILU,CONTRACTED,IMAGE",
    "SILU,MATERIALISED,TEXT"
  })
  void gradientCheckWithOneModalityAbsent(
      HyperActivation act, ThetaContraction order, Modality present) {
    DynamicTokenRouter r = router(small(act, order, true), D, 6);
    check(r, normal(7, 5, 6), Modality.all(5, present));
    for (Modality m : Modalities.IMAGE_TEXT.all()) {
      for (Parameter p : r.hyperParameters(m)) {
        if (m.equals(present)) {
          assertTrue(p.grad().amaxNumber().doubleValue() > 0, p.name() + " got no gradient");
        } else {
          assertFalse(p.hasGrad(), p.name() + " belongs to an absent modality but got a gradient");
        }
      }
    }
  }

  @Test
  void absentModalityGetsNothingAfterAMixedBatch() {
    DynamicTokenRouter r = router(small(HyperActivation.SILU, ThetaContraction.CONTRACTED, false), D, 7);
    r.forward(normal(1, 8, 6), mixed(8));
    r.backward(normal(2, 8, 4));
    r.zeroGrad();
    INDArray x = normal(3, 4, 6);
    r.forward(x, Modality.all(4, Modality.IMAGE));
    r.backward(normal(4, 4, 4));
    for (Parameter p : r.hyperParameters(Modality.TEXT)) {
      assertEquals(0.0, p.grad().amaxNumber().doubleValue(), p.name());
    }
    for (Parameter p : r.hyperParameters(Modality.IMAGE)) {
      assertTrue(p.grad().amaxNumber().doubleValue() > 0, p.name());
    }
  }

  @ParameterizedTest
  @EnumSource(ThetaContraction.class)
  void partlyFrozenRouterChecksTheRestAndLeavesFrozenWithoutGradient(ThetaContraction order) {
    DynamicTokenRouter r = router(small(HyperActivation.SILU, order, true), D, 9);
    r.hyperFc2Weight(Modality.TEXT).setTrainable(false); // b2 stays trainable
    r.hyperFc2Bias(Modality.IMAGE).setTrainable(false); // W2 stays trainable
    r.hyperFc1Weight(Modality.IMAGE).setTrainable(false);
    r.phiWeight().setTrainable(false);
    check(r, normal(8, 9, 6), mixed(9));
    for (Parameter p : r.parameters()) {
      assertEquals(p.trainable(), p.hasGrad(), p.name());
    }
    r.setTrainable(false);
    check(r, normal(8, 9, 6), mixed(9)); // the input gradient alone
  }

  @Test
  void floatMatchesDouble() {
    Sized c = new Sized(16, 4,
        new DtrConfig(4, 8, 12, HyperActivation.SILU, true, ThetaContraction.CONTRACTED));
    for (ThetaContraction order : ThetaContraction.values()) {
      DynamicTokenRouter rd = router(c.withContraction(order), D, 3);
      DynamicTokenRouter rf = router(c.withContraction(order), DataType.FLOAT, 3);
      for (int i = 0; i < rd.parameters().size(); i++) {
        rf.parameters().get(i).value().assign(rd.parameters().get(i).value());
      }
      INDArray x = normal(1, 20, 16);
      INDArray dl = normal(2, 20, 4);
      Modality[] tags = mixed(20);
      INDArray yd = rd.forward(x, tags);
      INDArray yf = rf.forward(x.castTo(DataType.FLOAT), tags);
      assertEquals(DataType.FLOAT, yf.dataType());
      // Values up to about 7; measured differences: 9e-7 (forward), 1.5e-6 (dx), less for the weights.
      assertTrue(maxAbsDiff(yd, yf) < 1e-5, order + " forward diff " + maxAbsDiff(yd, yf));
      INDArray dxd = rd.backward(dl);
      INDArray dxf = rf.backward(dl.castTo(DataType.FLOAT));
      assertTrue(maxAbsDiff(dxd, dxf) < 2e-5, order + " dx diff " + maxAbsDiff(dxd, dxf));
      for (int i = 0; i < rd.parameters().size(); i++) {
        double diff = maxAbsDiff(rd.parameters().get(i).grad(), rf.parameters().get(i).grad());
        assertTrue(diff < 2e-5, rd.parameters().get(i).name() + " grad diff " + diff);
      }
    }
  }

  @Test
  void parameterNamesAndShapes() {
    DynamicTokenRouter r = new DynamicTokenRouter("model.layers.2.mlp.gate", 6, 4,
        new DtrConfig(2, 3, 5, HyperActivation.NONE, true, ThetaContraction.CONTRACTED),
        D, new SplittableRandom(1));
    String p = "model.layers.2.mlp.gate";
    assertEquals(
        List.of(
            p + ".hyper.image.fc1.weight[5, 6]", p + ".hyper.image.fc1.bias[5]",
            p + ".hyper.image.fc2.weight[30, 5]", p + ".hyper.image.fc2.bias[30]",
            p + ".hyper.text.fc1.weight[5, 6]", p + ".hyper.text.fc1.bias[5]",
            p + ".hyper.text.fc2.weight[30, 5]", p + ".hyper.text.fc2.bias[30]",
            p + ".phi.weight[4, 3]", p + ".phi.bias[4]"),
        r.parameters().stream().map(Parameter::toString).toList());
    DynamicTokenRouter noBias = new DynamicTokenRouter("g", 64, 4, DtrConfig.defaults(), D, new SplittableRandom(1));
    assertNull(noBias.phiBias());
    assertEquals(9, noBias.parameters().size());
  }

  @Test
  void initialisationGivesGeneratedWeightsOfUnitFanInVariance() {
    // Hyperfan-in: with unit-variance inputs, Theta_down entries have variance about 1/d and
    // Theta_up entries about 1/r, so a_t and e_t start at order one.
    DtrConfig c = DtrConfig.defaults();
    DynamicTokenRouter r = new DynamicTokenRouter("g", 256, 4, c, D, new SplittableRandom(11));
    INDArray w1 = r.hyperFc1Weight(Modality.TEXT).value();
    INDArray w2 = r.hyperFc2Weight(Modality.TEXT).value();
    int down = 2 * c.rank() * 256;
    double varW1 = w1.varNumber().doubleValue();
    double varDown = w2.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, down),
        org.nd4j.linalg.indexing.NDArrayIndex.all()).varNumber().doubleValue();
    double varUp = w2.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(down, c.thetaSize(256)),
        org.nd4j.linalg.indexing.NDArrayIndex.all()).varNumber().doubleValue();
    assertEquals(1.0 / 256, varW1, 0.1 / 256);
    assertEquals(1.0 / (64 * 256), varDown, 0.05 / (64 * 256));
    assertEquals(1.0 / (64 * 8), varUp, 0.1 / (64 * 8));
    assertEquals(0.0, r.hyperFc2Bias(Modality.TEXT).value().amaxNumber().doubleValue());
  }

  @Test
  void zeroTokens() {
    DynamicTokenRouter r = router(small(HyperActivation.NONE, ThetaContraction.CONTRACTED, true), D, 1);
    assertArrayEquals(new long[] {0, 4}, r.forward(Nd4j.zeros(D, 0, 6), new Modality[0]).shape());
    assertArrayEquals(new long[] {0, 6}, r.backward(Nd4j.zeros(D, 0, 4)).shape());
  }

  @Test
  void defaultsAreDocumentedValues() {
    DtrConfig c = DtrConfig.defaults();
    assertEquals(8, c.rank());
    assertEquals(32, c.embedDim());
    assertEquals(64, c.hyperHidden());
    assertEquals(HyperActivation.NONE, c.activation());
    assertFalse(c.phiBias());
    assertEquals(ThetaContraction.CONTRACTED, c.contraction());
    assertEquals(2 * 8 * 512 + 32 * 8, c.thetaSize(512));
  }

  @Test
  void invalidConfigNamesTheBadValue() {
    DtrConfig ok = DtrConfig.defaults();
    assertMessage("dModel must be positive, got 0",
        () -> new DynamicTokenRouter("g", 0, 4, ok, D, new SplittableRandom(1)));
    assertMessage("numExperts must be positive, got -1",
        () -> new DynamicTokenRouter("g", 64, -1, ok, D, new SplittableRandom(1)));
    assertMessage("rank must be positive, got 0", () -> new DtrConfig(0, 32, 64,
        HyperActivation.NONE, false, ThetaContraction.CONTRACTED));
    assertMessage("embedDim must be positive, got -3", () -> new DtrConfig(8, -3, 64,
        HyperActivation.NONE, false, ThetaContraction.CONTRACTED));
    assertMessage("hyperHidden must be positive, got 0", () -> new DtrConfig(8, 32, 0,
        HyperActivation.NONE, false, ThetaContraction.CONTRACTED));
    assertMessage("activation", () -> new DtrConfig(8, 32, 64, null, false,
        ThetaContraction.CONTRACTED));
    assertMessage("contraction", () -> new DtrConfig(8, 32, 64, HyperActivation.NONE,
        false, null));
    assertMessage("hyperHidden=100000", () -> new DynamicTokenRouter("g", 4096, 4,
        new DtrConfig(64, 32, 100000, HyperActivation.NONE, false, ThetaContraction.CONTRACTED), D,
        new SplittableRandom(1)));
    assertMessage("modalities", () -> new DynamicTokenRouter("g", 8, 4, null, ok, D,
        new SplittableRandom(1)));
    assertMessage("config", () -> new DynamicTokenRouter("g", 8, 4, null, D, new SplittableRandom(1)));
  }

  @Test
  void badInputNamesTheShape() {
    DynamicTokenRouter r = router(small(HyperActivation.NONE, ThetaContraction.CONTRACTED, false), D, 2);
    assertMessage("[5, 7]", () -> r.forward(normal(1, 5, 7), Modality.all(5, Modality.TEXT)));
    assertMessage("[5]", () -> r.forward(normal(1, 5), Modality.all(5, Modality.TEXT)));
    assertMessage("length 6 does not match token count 5",
        () -> r.forward(normal(1, 5, 6), Modality.all(6, Modality.TEXT)));
    assertMessage("null", () -> r.forward(normal(1, 5, 6), null));
    assertThrows(IllegalStateException.class, () -> r.backward(normal(1, 5, 4)));
    r.forward(normal(1, 5, 6), mixed(5));
    assertMessage("[5, 3]", () -> r.backward(normal(1, 5, 3)));
    assertMessage("[4, 4]", () -> r.backward(normal(1, 4, 4)));
  }
}
