package org.evomoe.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class GradientAccumulatorTest {
  private static final int OUT = 2;
  private static final int IN = 3;

  /** Samples x (IN) and targets y (OUT) of a noisy linear map. */
  private record Batch(double[][] x, double[][] y) {
    Batch slice(int from, int to) {
      return new Batch(java.util.Arrays.copyOfRange(x, from, to), java.util.Arrays.copyOfRange(y, from, to));
    }
  }

  private static Batch data(int n, long seed) {
    Random r = new Random(seed);
    double[][] x = new double[n][IN];
    double[][] y = new double[n][OUT];
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < IN; i++) {
        x[b][i] = r.nextGaussian();
      }
      for (int o = 0; o < OUT; o++) {
        y[b][o] = (o + 1) * x[b][0] - x[b][2] + 0.1 * r.nextGaussian();
      }
    }
    return new Batch(x, y);
  }

  /**
   * Gradient of L = (1/B) sum_b 0.5 * ||W x_b - y_b||^2 with respect to W [OUT, IN]:
   * dL/dW = (1/B) sum_b (W x_b - y_b) x_b^T.
   */
  private static double[][] meanSquaredErrorGrad(double[][] w, Batch batch) {
    int n = batch.x().length;
    double[][] g = new double[OUT][IN];
    for (int b = 0; b < n; b++) {
      for (int o = 0; o < OUT; o++) {
        double residual = -batch.y()[b][o];
        for (int i = 0; i < IN; i++) {
          residual += w[o][i] * batch.x()[b][i];
        }
        for (int i = 0; i < IN; i++) {
          g[o][i] += residual * batch.x()[b][i] / n;
        }
      }
    }
    return g;
  }

  private static double[][] valueOf(Parameter p) {
    return p.value().toDoubleMatrix();
  }

  private static Parameter weight() {
    return new Parameter("w", Nd4j.createFromArray(new double[][] {{0.1, -0.2, 0.3}, {0.0, 0.5, -0.4}}), true);
  }

  @Test
  void microBatchesGiveTheSameUpdateAsOneLargeBatch() {
    int m = 4;
    int b = 3;
    int steps = 3;
    Batch all = data(m * b * steps, 7);
    AdamWConfig cfg = new AdamWConfig(0.05, 0.9, 0.999, 1e-8, 0.01);

    Parameter accumulated = weight();
    AdamW optA = new AdamW(cfg, List.of(accumulated));
    GradientAccumulator acc = new GradientAccumulator(List.of(accumulated), m);
    List<double[][]> gradsSeenA = new ArrayList<>();
    Runnable stepA = () -> {
      gradsSeenA.add(accumulated.grad().toDoubleMatrix());
      optA.step();
    };

    Parameter large = weight();
    AdamW optB = new AdamW(cfg, List.of(large));
    List<double[][]> gradsSeenB = new ArrayList<>();

    for (int s = 0; s < steps; s++) {
      for (int k = 0; k < m; k++) {
        int from = (s * m + k) * b;
        accumulated.accumulate(Nd4j.createFromArray(meanSquaredErrorGrad(valueOf(accumulated), all.slice(from, from + b))));
        boolean stepped = acc.endMicroBatch(stepA);
        assertEquals(k == m - 1, stepped, "step taken only after the last micro-batch");
        assertEquals(stepped ? 0 : k + 1, acc.pendingMicroBatches());
      }
      assertEquals(0.0, accumulated.grad().sumNumber().doubleValue(), 0.0, "grads zeroed after the step");
      assertEquals(0.0, accumulated.grad().amaxNumber().doubleValue(), 0.0);

      large.accumulate(Nd4j.createFromArray(meanSquaredErrorGrad(valueOf(large), all.slice(s * m * b, (s + 1) * m * b))));
      gradsSeenB.add(large.grad().toDoubleMatrix());
      optB.step();
      large.zeroGrad();
    }
    for (int s = 0; s < steps; s++) {
      for (int o = 0; o < OUT; o++) {
        assertArrayEquals(gradsSeenB.get(s)[o], gradsSeenA.get(s)[o], 1e-12, "averaged gradient, step " + s);
      }
    }
    for (int o = 0; o < OUT; o++) {
      assertArrayEquals(valueOf(large)[o], valueOf(accumulated)[o], 1e-12);
    }
    assertTrue(Math.abs(valueOf(large)[0][0] - 0.1) > 0.05, "the weights moved");
  }

  @Test
  void flushAveragesOverThePartialGroup() {
    Batch d = data(10, 3);
    Parameter accumulated = weight();
    GradientAccumulator acc = new GradientAccumulator(List.of(accumulated), 4);
    double[][][] seen = new double[1][][];
    assertFalse(acc.flush(() -> seen[0] = new double[0][]), "nothing pending");
    assertEquals(null, seen[0]);
    double[][] w0 = valueOf(accumulated);
    accumulated.accumulate(Nd4j.createFromArray(meanSquaredErrorGrad(w0, d.slice(0, 5))));
    assertFalse(acc.endMicroBatch(() -> {}));
    accumulated.accumulate(Nd4j.createFromArray(meanSquaredErrorGrad(w0, d.slice(5, 10))));
    assertFalse(acc.endMicroBatch(() -> {}));
    assertTrue(acc.flush(() -> seen[0] = accumulated.grad().toDoubleMatrix()));
    double[][] expected = meanSquaredErrorGrad(w0, d);
    for (int o = 0; o < OUT; o++) {
      assertArrayEquals(expected[o], seen[0][o], 1e-12);
    }
    assertEquals(0, acc.pendingMicroBatches());
    assertEquals(0.0, accumulated.grad().amaxNumber().doubleValue(), 0.0);
  }

  @Test
  void frozenParametersAreLeftAlone() {
    Parameter frozen = new Parameter("f", Nd4j.ones(DataType.DOUBLE, 3), false);
    Parameter w = weight();
    GradientAccumulator acc = new GradientAccumulator(List.of(w, frozen), 2);
    w.grad().assign(2.0);
    acc.endMicroBatch(() -> {});
    acc.endMicroBatch(() -> assertEquals(1.0, w.grad().getDouble(0, 0), 0.0));
    assertFalse(frozen.hasGrad());
  }

  @Test
  void microBatchCountMustBePositive() {
    var e = assertThrows(IllegalArgumentException.class, () -> new GradientAccumulator(List.of(), 0));
    assertTrue(e.getMessage().contains("microBatchesPerStep") && e.getMessage().contains("0"), e.getMessage());
  }
}
