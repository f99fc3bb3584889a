package org.evomoe.evolution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.evomoe.optim.AdamW;
import org.evomoe.optim.AdamWConfig;
import org.evomoe.optim.CosineWarmupSchedule;
import org.evomoe.optim.GradientClipping;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * End to end: a least-squares "expert" (one weight matrix W [OUT, IN], y = W x) trained by AdamW
 * with a cosine schedule and clipping, three experts evolving from it under PARTIAL_UPDATE with
 * the paper's ranges.
 *
 * <p>Why the order: under PARTIAL_UPDATE, expert n after T steps is {@code theta_n(T) = W0 + sum_t
 * (1 - beta_{n,t}) delta_t} and the seed is {@code W0 + sum_t delta_t}, so {@code theta_1(T) -
 * theta_n(T) = sum_t beta_{n,t} delta_t}. While the seed's updates point roughly one way (descent
 * on a convex quadratic), that is about beta_n times the seed's total displacement: the expert
 * with the largest betas (expert 2, [0.90, 0.99]) keeps most of the prior weights and ends
 * furthest from the trained seed and nearest to W0; expert 4 ([0.70, 0.79]) ends nearest the seed.
 */
class ExpertEvolutionTrainingTest {
  private static final int OUT = 4;
  private static final int IN = 6;
  private static final int BATCH = 64;
  private static final int STEPS = 150;

  private static double loss(INDArray w, INDArray x, INDArray y) {
    try (INDArray pred = Nd4j.gemm(x, w, false, true); INDArray r = pred.subi(y)) {
      return 0.5 * r.mul(r).sumNumber().doubleValue() / BATCH;
    }
  }

  /** dL/dW = (1/B) (X W^T - Y)^T X, [OUT, IN]. */
  private static INDArray grad(INDArray w, INDArray x, INDArray y) {
    try (INDArray pred = Nd4j.gemm(x, w, false, true); INDArray r = pred.subi(y)) {
      return Nd4j.gemm(r, x, true, false).divi(BATCH);
    }
  }

  private static double distance(INDArray a, INDArray b) {
    try (INDArray d = a.sub(b)) {
      return d.norm2Number().doubleValue();
    }
  }

  @Test
  void evolvedExpertsSpreadBetweenTheStartAndTheTrainedSeedInBetaOrder() {
    Nd4j.getRandom().setSeed(2025);
    INDArray x = Nd4j.randn(DataType.FLOAT, BATCH, IN);
    INDArray target = Nd4j.randn(DataType.FLOAT, OUT, IN);
    INDArray y = Nd4j.gemm(x, target, false, true).addi(Nd4j.randn(DataType.FLOAT, BATCH, OUT).muli(0.01));
    INDArray w0 = Nd4j.randn(DataType.FLOAT, OUT, IN).muli(0.1);

    Parameter seed = new Parameter("mlp.experts.0.weight", w0.dup('c'), true);
    List<List<Parameter>> evolved = new ArrayList<>();
    List<Parameter> all = new ArrayList<>(List.of(seed));
    for (int n = 2; n <= 4; n++) {
      Parameter p = new Parameter("mlp.experts." + (n - 1) + ".weight", Nd4j.zeros(DataType.FLOAT, OUT, IN), false);
      evolved.add(List.of(p));
      all.add(p);
    }
    AdamW opt = new AdamW(new AdamWConfig(0.05, 0.9, 0.999, 1e-8, 0.0), all);
    CosineWarmupSchedule schedule = new CosineWarmupSchedule(0.05, 5, STEPS, 0.1);
    EvolutionConfig cfg = EvolutionConfig.paperDefaults(4, 7);

    // Independent bookkeeping of theta_n = W0 + sum_t (1 - beta_{n,t}) delta_t, in double.
    double[][] expected = new double[3][];
    for (int e = 0; e < 3; e++) {
      expected[e] = w0.reshape(-1).toDoubleVector();
    }
    try (ExpertEvolution evo = new ExpertEvolution(cfg, List.of(seed), evolved)) {
      evo.copySeedIntoEvolved();
      for (int step = 0; step < STEPS; step++) {
        try (INDArray g = grad(seed.value(), x, y)) {
          seed.accumulate(g);
        }
        GradientClipping.clipByGlobalNorm(all, 5.0);
        opt.setLearningRate(schedule.learningRate(step));
        double[] before = seed.value().reshape(-1).toDoubleVector();
        evo.beforeStep();
        opt.step();
        evo.afterStep();
        double[] after = seed.value().reshape(-1).toDoubleVector();
        double[] betas = evo.lastBetas();
        for (int e = 0; e < 3; e++) {
          for (int i = 0; i < after.length; i++) {
            expected[e][i] += (1 - betas[e]) * (after[i] - before[i]);
          }
        }
        opt.zeroGrad();
      }
    }

    for (int e = 0; e < 3; e++) {
      assertArrayEquals(expected[e], evolved.get(e).get(0).value().reshape(-1).toDoubleVector(), 1e-4);
      assertFalse(opt.hasState(evolved.get(e).get(0).name()));
      assertFalse(evolved.get(e).get(0).hasGrad());
    }

    INDArray w1 = seed.value();
    INDArray[] wn = {evolved.get(0).get(0).value(), evolved.get(1).get(0).value(), evolved.get(2).get(0).value()};
    double startLoss = loss(w0, x, y);
    double seedLoss = loss(w1, x, y);
    assertTrue(seedLoss < 0.01 * startLoss, "the seed trained: " + startLoss + " -> " + seedLoss);

    double travelled = distance(w1, w0);
    double[] fromSeed = new double[3];
    double[] fromStart = new double[3];
    double[] losses = new double[3];
    for (int e = 0; e < 3; e++) {
      fromSeed[e] = distance(w1, wn[e]);
      fromStart[e] = distance(wn[e], w0);
      losses[e] = loss(wn[e], x, y);
      // |theta_1 - theta_n| / |theta_1 - W0| is about the mean beta of expert n (see the class
      // comment); 0.02 of slack for updates that are not exactly collinear.
      double share = fromSeed[e] / travelled;
      BetaRange r = cfg.ranges().get(e);
      assertTrue(share > r.lo() - 0.02 && share < r.hi() + 0.02, "expert " + (e + 2) + " share " + share + " vs " + r);
    }
    // The experts lie near the segment from W0 to the trained seed, and the loss is a convex
    // quadratic minimised near the seed, so it falls along that segment: expert 4 < 3 < 2 < start.
    assertTrue(losses[2] < losses[1] && losses[1] < losses[0] && losses[0] < startLoss,
        java.util.Arrays.toString(losses) + " start " + startLoss);
    // Different from the seed and from each other, ordered by their beta ranges.
    assertTrue(fromSeed[0] > fromSeed[1] && fromSeed[1] > fromSeed[2] && fromSeed[2] > 0.1 * travelled,
        java.util.Arrays.toString(fromSeed));
    assertTrue(fromStart[0] < fromStart[1] && fromStart[1] < fromStart[2] && fromStart[2] < travelled,
        java.util.Arrays.toString(fromStart));
    for (int a = 0; a < 3; a++) {
      for (int b = a + 1; b < 3; b++) {
        assertTrue(distance(wn[a], wn[b]) > 0.05 * travelled, "experts " + (a + 2) + " and " + (b + 2) + " differ");
      }
    }
  }
}
