package org.evomoe.tuning;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.TestArrays;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.moe.RoutingRecord;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.DynamicTokenRouter;
import org.evomoe.router.Modality;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The DTR's logits must stay bounded in router-only training (Stage III) at the project's learning
 * rate. Set-up as in Stage III after evolution: four near-copies of one expert (the seed and
 * shrunken copies), frozen; the target is what the seed gives at gate 1, so the loss rewards a
 * top-1 gate near 1. Without a z-loss AdamW at 3e-3 drives the DTR's logits to thousands within
 * 150 steps and the softmax saturates: the router's gradient from the loss all but vanishes. With
 * {@link RoutingConfig#evoMoe()}'s z-loss the logits stay an order of magnitude smaller and the
 * router keeps a gradient.
 */
class DtrSaturationTest {
  static final int D = 16;
  static final int H = 32;
  static final int T = 128;
  static final int STEPS = 150;
  static final double LR = 3e-3; // the demo's and study's Stage III peak learning rate

  /** After training: the largest |logit|, the mean token entropy and the loss's router gradient. */
  record Outcome(double maxAbsLogit, double meanEntropy, double routerGradNorm) {}

  static Outcome train(RoutingConfig routing, int steps) {
    SplittableRandom rng = new SplittableRandom(7);
    SwiGluFfn seed = new SwiGluFfn("a", D, H, DataType.DOUBLE, rng);
    List<SwiGluFfn> experts = new ArrayList<>();
    for (int e = 0; e < 4; e++) {
      SwiGluFfn c = seed.copy("model.layers.0.mlp.experts." + e);
      for (Parameter p : c.parameters()) {
        p.value().muli(1.0 - 0.05 * e);
      }
      experts.add(c);
    }
    DynamicTokenRouter r = new DynamicTokenRouter("model.layers.0.mlp.gate", D, 4,
        DtrConfig.defaults(), DataType.DOUBLE, rng);
    MoeLayer moe = new MoeLayer(new MoeConfig(D, H, 4, routing), r, experts);
    INDArray x = TestArrays.normal(5, T, D);
    Modality[] tags = new Modality[T];
    for (int t = 0; t < T; t++) {
      tags[t] = t < T / 2 ? Modality.IMAGE : Modality.TEXT;
    }
    INDArray target = x.add(seed.forward(x));
    StageRunner.run(new ModalityRoutingTest.MoeOnly(moe),
        Stages.dtr(new OptimSettings(steps, 1, LR, 0.03, 0.1, 0, 1.0)),
        (step, mb) -> {
          INDArray diff = x.add(moe.forward(x, tags)).sub(target);
          double loss = diff.mul(diff).sumNumber().doubleValue() / diff.length();
          moe.backward(diff.muli(2.0 / diff.length()));
          return loss + moe.weightedLoss();
        });
    double grad = lossRouterGradient(moe, routing, x, tags, target);
    RoutingRecord rec = moe.lastRouting();
    double max = 0;
    double entropy = 0;
    for (int t = 0; t < T; t++) {
      for (int e = 0; e < 4; e++) {
        max = Math.max(max, Math.abs(rec.logit(t, e)));
        double p = rec.prob(t, e);
        entropy -= p > 0 ? p * Math.log(p) / T : 0;
      }
    }
    return new Outcome(max, entropy, grad);
  }

  /** Norm of the router's gradient from the regression loss alone (auxiliary losses off). */
  static double lossRouterGradient(MoeLayer moe, RoutingConfig routing, INDArray x,
      Modality[] tags, INDArray target) {
    moe.setRouting(routing.withAuxLossWeight(0).withZLossWeight(0));
    for (Parameter p : moe.router().parameters()) {
      p.zeroGrad();
    }
    INDArray diff = x.add(moe.forward(x, tags)).sub(target);
    moe.backward(diff.muli(2.0 / diff.length()));
    double sq = 0;
    for (Parameter p : moe.router().parameters()) {
      double n = p.grad().norm2Number().doubleValue();
      sq += n * n;
    }
    moe.setRouting(routing);
    return Math.sqrt(sq);
  }

  @Test
  void theDefaultZLossKeepsTheDtrLogitsBoundedAndTheRouterLearning() {
    Outcome init = train(RoutingConfig.evoMoe(), 1);
    Outcome withDefault = train(RoutingConfig.evoMoe(), STEPS);
    Outcome withoutZLoss = train(RoutingConfig.evoMoe().withZLossWeight(0), STEPS);
    String all = "init " + init + ", default " + withDefault + ", no z-loss " + withoutZLoss;
    // The failure mode the default prevents: without a z-loss the logits reach thousands, the
    // entropy collapses and the loss's gradient to the router shrinks by four orders of magnitude.
    assertTrue(withoutZLoss.maxAbsLogit() > 1000, all);
    assertTrue(withoutZLoss.routerGradNorm() < 1e-3 * init.routerGradNorm(), all);
    // The default: logits within a few hundred, ten times the entropy and a router gradient at
    // least ten times larger than the saturated router's.
    assertTrue(withDefault.maxAbsLogit() < 300, all);
    assertTrue(withDefault.meanEntropy() > 5 * withoutZLoss.meanEntropy(), all);
    assertTrue(withDefault.routerGradNorm() > 10 * withoutZLoss.routerGradNorm(), all);
  }
}
