package org.evomoe.tuning;

import static org.evomoe.TestArrays.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.evomoe.evolution.EvolutionConfig;
import org.evomoe.evolution.EvolutionRule;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** LITERAL evolution uses the seed's raw gradient, even when the stage clips gradients. */
class LiteralEvolutionTest {
  @Test
  void literalUsesTheRawUnclippedGradientOfTheSeed() {
    StageRunnerTest.Task task = new StageRunnerTest.Task();
    ToyModel m = StageRunnerTest.model();
    List<Parameter> seed = m.moe.experts().get(0).parameters();

    // The raw gradient of the stage's first (and only) micro-batch, computed by hand.
    m.moe.forceExpert(0);
    m.trainStep(task.image, task.text, task.target);
    List<INDArray> raw = new ArrayList<>();
    double sq = 0;
    for (Parameter p : seed) {
      raw.add(p.grad().dup());
      sq += p.grad().norm2Number().doubleValue() * p.grad().norm2Number().doubleValue();
    }
    double rawNorm = Math.sqrt(sq);
    m.parameters().forEach(Parameter::zeroGrad);
    m.moe.forceExpert(-1);

    double maxNorm = rawNorm / 10; // clipping is active: the clipped gradient is 10x smaller
    OptimSettings o = new OptimSettings(1, 1, 0.01, 0.0, 0.1, 0.0, maxNorm);
    StageConfig evo = Stages.evolution(o,
        EvolutionConfig.paperDefaults(4, 3).withRule(EvolutionRule.LITERAL));
    double[] betas;
    double recordedNorm;
    try (StageTrainer t = new StageTrainer(m, evo,
        (s, mb) -> m.trainStep(task.image, task.text, task.target))) {
      t.step();
      betas = t.exportState().evolution().lastBetas();
      assertEquals(EvolutionRule.LITERAL, t.exportState().evolution().rule());
      recordedNorm = t.result().gradNorms()[0];
    }
    assertEquals(rawNorm, recordedNorm, 1e-12 * rawNorm, "the stage saw another gradient");
    assertTrue(recordedNorm > maxNorm);
    for (int e = 1; e < 4; e++) {
      double beta = betas[e - 1];
      List<Parameter> evolved = m.moe.experts().get(e).parameters();
      for (int i = 0; i < seed.size(); i++) {
        INDArray theta1 = seed.get(i).value();
        INDArray literal = theta1.mul(beta).addi(raw.get(i).mul(1 - beta));
        INDArray clipped = theta1.mul(beta).addi(raw.get(i).mul((1 - beta) * maxNorm / rawNorm));
        INDArray actual = evolved.get(i).value();
        assertEquals(0.0, maxAbsDiff(actual, literal), 1e-12,
            "expert " + (e + 1) + " " + seed.get(i).name() + " is not beta theta_1 + (1 - beta) g_raw");
        assertTrue(maxAbsDiff(actual, clipped) > 1e-4,
            "the raw and the clipped reading must differ here for the test to mean anything");
      }
    }
  }
}
