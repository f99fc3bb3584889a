package org.evomoe.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AdamWTest {
  private static final double LR = 0.01;
  private static final double B1 = 0.9;
  private static final double B2 = 0.999;
  private static final double EPS = 1e-8;
  private static final double WD = 0.1;

  private static final double[] P0 = {0.5, -1.0, 2.0};
  private static final double[] G1 = {0.1, -0.2, 0.3};
  private static final double[] G2 = {-0.4, 0.05, 0.2};

  private static Parameter param(String name, double[] values, DataType type) {
    return new Parameter(name, Nd4j.createFromArray(values).castTo(type), true);
  }

  private static void setGrad(Parameter p, double[] g) {
    p.grad().assign(Nd4j.createFromArray(g).castTo(p.value().dataType()));
  }

  /** Two AdamW steps in closed form, element by element, in the textbook mhat/vhat form. */
  private static double[] handTwoSteps(double lr, double wd) {
    double[] p = P0.clone();
    double[] m = new double[3];
    double[] v = new double[3];
    double[][] grads = {G1, G2};
    for (int t = 1; t <= 2; t++) {
      double[] g = grads[t - 1];
      for (int i = 0; i < 3; i++) {
        p[i] = p[i] - lr * wd * p[i];
        m[i] = B1 * m[i] + (1 - B1) * g[i];
        v[i] = B2 * v[i] + (1 - B2) * g[i] * g[i];
        double mhat = m[i] / (1 - Math.pow(B1, t));
        double vhat = v[i] / (1 - Math.pow(B2, t));
        p[i] = p[i] - lr * mhat / (Math.sqrt(vhat) + EPS);
      }
    }
    return p;
  }

  private static double[] runTwoSteps(DataType type, boolean nd4jOps) {
    Parameter p = param("w", P0, type);
    AdamW opt = new AdamW(new AdamWConfig(LR, B1, B2, EPS, WD), List.of(p));
    opt.useNd4jOpsOnly(nd4jOps);
    setGrad(p, G1);
    opt.step();
    setGrad(p, G2);
    opt.step();
    return p.value().toDoubleVector();
  }

  @Test
  void twoDoubleStepsMatchHandComputation() {
    double[] expected = handTwoSteps(LR, WD);
    assertArrayEquals(expected, runTwoSteps(DataType.DOUBLE, false), 1e-14);
    assertArrayEquals(expected, runTwoSteps(DataType.DOUBLE, true), 1e-14);
  }

  @Test
  void twoFloatStepsMatchHandComputation() {
    double[] expected = handTwoSteps(LR, WD);
    assertArrayEquals(expected, runTwoSteps(DataType.FLOAT, false), 1e-6);
    assertArrayEquals(expected, runTwoSteps(DataType.FLOAT, true), 1e-6);
  }

  @Test
  void biasCorrectionMakesFirstStepLearningRateSized() {
    // With bias correction the first Adam step is lr * g / (|g| + eps) per element, i.e. lr in
    // size whatever the gradient scale. Without it, it would be lr * (1 - b1) / sqrt(1 - b2),
    // about 3.16 * lr.
    double[] g = {1e-3, -5.0, 123.0};
    Parameter p = param("w", new double[] {0, 0, 0}, DataType.DOUBLE);
    AdamW opt = new AdamW(new AdamWConfig(LR, B1, B2, EPS, 0.0), List.of(p));
    setGrad(p, g);
    opt.step();
    double[] after = p.value().toDoubleVector();
    for (int i = 0; i < 3; i++) {
      assertEquals(-LR * g[i] / (Math.abs(g[i]) + EPS), after[i], 1e-15);
      assertEquals(LR, Math.abs(after[i]), 1e-7);
    }
    AdamWParameterState s = opt.stateOf("w").orElseThrow();
    assertEquals(1, s.step());
    assertArrayEquals(new double[] {1e-4, -0.5, 12.3}, s.m().toDoubleVector(), 1e-12);
  }

  @Test
  void withZeroGradientOnlyDecoupledDecayMovesTheWeight() {
    Parameter p = param("w", P0, DataType.DOUBLE);
    AdamW opt = new AdamW(new AdamWConfig(LR, B1, B2, EPS, WD), List.of(p));
    p.grad(); // allocated, all zeros
    opt.step();
    opt.step();
    double[] after = p.value().toDoubleVector();
    for (int i = 0; i < 3; i++) {
      assertEquals(P0[i] * (1 - LR * WD) * (1 - LR * WD), after[i], 1e-15);
    }
  }

  @Test
  void decayIsDecoupledFromTheGradientNormalisation() {
    // Same gradients, with and without weight decay: after one step the difference is exactly
    // lr * wd * p0 per element. Coupled L2 (g + wd * p fed to Adam) would instead change the
    // normalised step and give a different difference.
    Parameter withDecay = param("w", P0, DataType.DOUBLE);
    Parameter without = param("w", P0, DataType.DOUBLE);
    AdamW a = new AdamW(new AdamWConfig(LR, B1, B2, EPS, WD), List.of(withDecay));
    AdamW b = new AdamW(new AdamWConfig(LR, B1, B2, EPS, 0.0), List.of(without));
    setGrad(withDecay, G1);
    setGrad(without, G1);
    a.step();
    b.step();
    double[] x = withDecay.value().toDoubleVector();
    double[] y = without.value().toDoubleVector();
    for (int i = 0; i < 3; i++) {
      assertEquals(-LR * WD * P0[i], x[i] - y[i], 1e-15);
    }
  }

  @Test
  void frozenAndGradientlessParametersGetNoStateAndDoNotMove() {
    Parameter trained = param("trained", P0, DataType.FLOAT);
    Parameter frozen = new Parameter("frozen", Nd4j.createFromArray(P0).castTo(DataType.FLOAT), false);
    Parameter untouched = param("untouched", P0, DataType.FLOAT); // trainable, no grad buffer
    AdamW opt = new AdamW(new AdamWConfig(LR, B1, B2, EPS, WD), List.of(trained, frozen, untouched));
    for (int i = 0; i < 3; i++) {
      setGrad(trained, G1);
      opt.step();
    }
    assertTrue(opt.hasState("trained"));
    assertFalse(opt.hasState("frozen"));
    assertFalse(opt.hasState("untouched"));
    assertFalse(frozen.hasGrad());
    assertEquals(List.of("trained"), List.copyOf(opt.parametersWithState()));
    assertEquals(List.of("trained"), List.copyOf(opt.exportState().keySet()));
    assertArrayEquals(P0, frozen.value().toDoubleVector(), 1e-7);
    assertArrayEquals(P0, untouched.value().toDoubleVector(), 1e-7);
    assertEquals(3, opt.stateOf("trained").orElseThrow().step());
  }

  @Test
  void zeroLearningRateCountsTheStepButLeavesWeights() {
    Parameter p = param("w", P0, DataType.DOUBLE);
    AdamW opt = new AdamW(new AdamWConfig(LR, B1, B2, EPS, WD), List.of(p));
    opt.setLearningRate(0.0);
    setGrad(p, G1);
    opt.step();
    assertArrayEquals(P0, p.value().toDoubleVector(), 0.0);
    assertEquals(1, opt.stateOf("w").orElseThrow().step());
    assertThrows(IllegalArgumentException.class, () -> opt.setLearningRate(-1e-3));
    assertThrows(IllegalArgumentException.class, () -> opt.setLearningRate(Double.NaN));
  }

  private static List<Parameter> randomParams() {
    List<Parameter> ps = new ArrayList<>();
    ps.add(new Parameter("a.weight", Nd4j.rand(DataType.FLOAT, 4, 5).subi(0.5), true));
    ps.add(new Parameter("a.bias", Nd4j.rand(DataType.FLOAT, 7).subi(0.5), true));
    ps.add(new Parameter("b.weight", Nd4j.rand(DataType.FLOAT, 3, 3), false));
    return ps;
  }

  private static void randomGrads(List<Parameter> ps, Random r) {
    for (Parameter p : ps) {
      if (p.trainable()) {
        float[] g = new float[(int) p.length()];
        for (int i = 0; i < g.length; i++) {
          g[i] = (float) r.nextGaussian();
        }
        p.grad().assign(Nd4j.createFromArray(g).reshape(p.value().shape()));
      }
    }
  }

  private static List<Parameter> copyOf(List<Parameter> ps) {
    List<Parameter> out = new ArrayList<>();
    for (Parameter p : ps) {
      out.add(new Parameter(p.name(), p.value().dup('c'), p.trainable()));
    }
    return out;
  }

  @Test
  void exportAndRestoreResumesBitIdentically() {
    Nd4j.getRandom().setSeed(11);
    List<Parameter> straight = randomParams();
    AdamWConfig cfg = new AdamWConfig(3e-3, 0.9, 0.95, 1e-8, 0.05);
    AdamW opt = new AdamW(cfg, straight);
    Random grads = new Random(5);
    for (int s = 0; s < 3; s++) {
      randomGrads(straight, grads);
      opt.step();
    }
    // Checkpoint: parameter values, optimiser state, and the gradient stream's position.
    List<Parameter> resumed = copyOf(straight);
    Map<String, AdamWParameterState> saved = opt.exportState();
    Random resumedGrads = new Random(5);
    for (int s = 0; s < 3; s++) {
      randomGrads(copyOf(straight), resumedGrads); // advance the stream identically
    }
    AdamW restored = new AdamW(cfg, resumed);
    restored.restoreState(saved);

    for (int s = 0; s < 2; s++) {
      randomGrads(straight, grads);
      opt.step();
      randomGrads(resumed, resumedGrads);
      restored.step();
    }
    for (int i = 0; i < straight.size(); i++) {
      assertArrayEquals(
          straight.get(i).value().reshape(-1).toFloatVector(), resumed.get(i).value().reshape(-1).toFloatVector(), 0f,
          straight.get(i).name());
    }
    for (String name : List.of("a.weight", "a.bias")) {
      AdamWParameterState x = opt.stateOf(name).orElseThrow();
      AdamWParameterState y = restored.stateOf(name).orElseThrow();
      assertEquals(5, x.step());
      assertEquals(x.step(), y.step());
      assertArrayEquals(x.m().reshape(-1).toFloatVector(), y.m().reshape(-1).toFloatVector(), 0f);
      assertArrayEquals(x.v().reshape(-1).toFloatVector(), y.v().reshape(-1).toFloatVector(), 0f);
    }
  }

  @Test
  void exportedStateIsDetachedFromTheOptimiser() {
    Parameter p = param("w", P0, DataType.DOUBLE);
    AdamW opt = new AdamW(new AdamWConfig(LR, B1, B2, EPS, WD), List.of(p));
    setGrad(p, G1);
    opt.step();
    Map<String, AdamWParameterState> saved = opt.exportState();
    double[] m = saved.get("w").m().toDoubleVector();
    saved.get("w").m().assign(42);
    assertArrayEquals(m, opt.stateOf("w").orElseThrow().m().toDoubleVector(), 0.0);
    opt.restoreState(Map.of("w", new AdamWParameterState(1, Nd4j.createFromArray(m), Nd4j.zeros(DataType.DOUBLE, 3))));
    setGrad(p, G2);
    opt.step();
    assertEquals(2, opt.stateOf("w").orElseThrow().step());
  }

  @Test
  void restoreRejectsUnknownFrozenAndMismatchedState() {
    Parameter p = param("w", P0, DataType.DOUBLE);
    Parameter frozen = new Parameter("f", Nd4j.zeros(DataType.DOUBLE, 3), false);
    AdamW opt = new AdamW(new AdamWConfig(LR, B1, B2, EPS, WD), List.of(p, frozen));
    AdamWParameterState ok = new AdamWParameterState(2, Nd4j.zeros(DataType.DOUBLE, 3), Nd4j.zeros(DataType.DOUBLE, 3));
    var e1 = assertThrows(IllegalArgumentException.class, () -> opt.restoreState(Map.of("nope", ok)));
    assertTrue(e1.getMessage().contains("nope"), e1.getMessage());
    var e2 = assertThrows(IllegalArgumentException.class, () -> opt.restoreState(Map.of("f", ok)));
    assertTrue(e2.getMessage().contains("frozen parameter f"), e2.getMessage());
    AdamWParameterState wrongShape =
        new AdamWParameterState(2, Nd4j.zeros(DataType.DOUBLE, 4), Nd4j.zeros(DataType.DOUBLE, 4));
    var e3 = assertThrows(IllegalArgumentException.class, () -> opt.restoreState(Map.of("w", wrongShape)));
    assertTrue(e3.getMessage().contains("[4]") && e3.getMessage().contains("[3]"), e3.getMessage());
    AdamWParameterState wrongType =
        new AdamWParameterState(2, Nd4j.zeros(DataType.FLOAT, 3), Nd4j.zeros(DataType.FLOAT, 3));
    assertThrows(IllegalArgumentException.class, () -> opt.restoreState(Map.of("w", wrongType)));
    assertThrows(IllegalArgumentException.class,
        () -> new AdamWParameterState(0, Nd4j.zeros(3), Nd4j.zeros(3)));
    assertThrows(IllegalArgumentException.class,
        () -> new AdamWParameterState(1, Nd4j.zeros(3), Nd4j.zeros(4)));
    assertTrue(opt.exportState().isEmpty());
  }

  @Test
  void configValidationNamesTheBadValue() {
    var e = assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(-1e-3, 0.9, 0.999, 1e-8, 0));
    assertTrue(e.getMessage().contains("learningRate") && e.getMessage().contains("-0.001"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(Double.NaN, 0.9, 0.999, 1e-8, 0));
    var b1 = assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(1e-3, 1.0, 0.999, 1e-8, 0));
    assertTrue(b1.getMessage().contains("beta1"), b1.getMessage());
    var b2 = assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(1e-3, 0.9, -0.1, 1e-8, 0));
    assertTrue(b2.getMessage().contains("beta2"), b2.getMessage());
    var eps = assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(1e-3, 0.9, 0.999, 0, 0));
    assertTrue(eps.getMessage().contains("eps"), eps.getMessage());
    var wd = assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(1e-3, 0.9, 0.999, 1e-8, -0.1));
    assertTrue(wd.getMessage().contains("weightDecay"), wd.getMessage());
    new AdamWConfig(0, 0, 0, 1e-8, 0); // boundary values are valid
  }

  @Test
  void duplicateParameterNamesAreRejected() {
    Parameter a = param("w", P0, DataType.DOUBLE);
    Parameter b = param("w", P0, DataType.DOUBLE);
    var e = assertThrows(IllegalArgumentException.class,
        () -> new AdamW(AdamWConfig.withDefaults(1e-3, 0), List.of(a, b)));
    assertTrue(e.getMessage().contains("w"), e.getMessage());
  }

  @Test
  void fusedLoopAndNd4jOpsAgreeOnLargeRandomParameters() {
    // Large enough for the parallel-chunk path of the fused loop.
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      Nd4j.getRandom().setSeed(3);
      INDArray init = Nd4j.randn(type, 300, 400);
      Parameter fused = new Parameter("w", init.dup('c'), true);
      Parameter ops = new Parameter("w", init.dup('c'), true);
      AdamW a = new AdamW(new AdamWConfig(1e-2, 0.9, 0.99, 1e-6, 0.1), List.of(fused));
      AdamW b = new AdamW(new AdamWConfig(1e-2, 0.9, 0.99, 1e-6, 0.1), List.of(ops));
      b.useNd4jOpsOnly(true);
      for (int s = 0; s < 4; s++) {
        INDArray g = Nd4j.randn(type, 300, 400);
        fused.grad().assign(g);
        ops.grad().assign(g);
        a.step();
        b.step();
      }
      double tol = type == DataType.FLOAT ? 1e-5 : 1e-12;
      double diff = fused.value().sub(ops.value()).amaxNumber().doubleValue();
      assertTrue(diff < tol, type + " fused vs ops max diff " + diff);
      double moved = fused.value().sub(init).amaxNumber().doubleValue();
      assertTrue(moved > 1e-2, "the parameters moved: " + moved);
    }
  }
}
