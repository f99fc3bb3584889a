package org.evomoe.router;

import static org.evomoe.TestArrays.normal;
import static org.evomoe.router.ModalityLinearRouterTest.mixed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.grad.GradientCheck;
import org.evomoe.grad.GradientCheck.Target;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The modality-aware routers inside {@link MoeLayer}: the layer's full gradient check. */
class RoutersInMoeLayerTest {
  private static final DataType D = DataType.DOUBLE;

  enum Kind { MODALITY_LINEAR, DTR_NONE, DTR_SILU }

  static Router router(Kind kind, MoeConfig c, SplittableRandom rng) {
    return switch (kind) {
      case MODALITY_LINEAR -> {
        ModalityLinearRouter r = new ModalityLinearRouter("mlp.gate", c.dModel(), c.numExperts(), D, rng);
        for (Parameter p : r.parameters()) {
          p.value().muli(3); // sharper routing: distinct top-k choices
        }
        yield r;
      }
      case DTR_NONE, DTR_SILU -> {
        DtrConfig dc = new DtrConfig(2, 3, 5,
            kind == Kind.DTR_NONE ? HyperActivation.NONE : HyperActivation.SILU, true,
            ThetaContraction.CONTRACTED);
        DynamicTokenRouter r = new DynamicTokenRouter("mlp.gate", c.dModel(), c.numExperts(), dc, D, rng);
        r.phiWeight().value().muli(3);
        yield r;
      }
    };
  }

  static MoeLayer moe(Kind kind, MoeConfig c, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    Router r = router(kind, c, rng);
    List<SwiGluFfn> experts = new ArrayList<>();
    for (int e = 0; e < c.numExperts(); e++) {
      experts.add(new SwiGluFfn("mlp.experts." + e, c.dModel(), c.dHidden(), D, rng));
    }
    return new MoeLayer(c.withRouting(c.routing().withRouterKind(RouterKind.of(r))), r, experts);
  }

  @ParameterizedTest
  @CsvSource({
    "MODALITY_LINEAR,1,MIXED", "MODALITY_LINEAR,2,MIXED", "MODALITY_LINEAR,2,TEXT",
    "DTR_NONE,1,MIXED", "DTR_NONE,2,MIXED", "DTR_SILU,1,MIXED", "DTR_SILU,2,MIXED",
    "DTR_NONE,1,IMAGE", "DTR_SILU,2,TEXT"
  })
  void moeLayerGradientCheck(Kind kind, int topK, String batch) {
    MoeConfig c = new MoeConfig(6, 8, 4, new RoutingConfig(topK, topK > 1, 0.3, 0.001, RouterKind.LINEAR));
    MoeLayer moe = moe(kind, c, 40 + topK);
    int t = 11;
    INDArray x = normal(21, t, 6);
    Modality[] tags = batch.equals("MIXED") ? mixed(t) : Modality.all(t, Modality.valueOf(batch));
    INDArray y = moe.forward(x, tags);
    int used = 0;
    for (long n : moe.lastRouting().tokensPerExpert()) {
      used += n > 0 ? 1 : 0;
    }
    assertTrue(used >= 2, "routing should spread tokens over experts, used " + used);
    INDArray r = normal(22, y.shape());
    INDArray dx = moe.backward(r);
    List<Target> targets = new ArrayList<>();
    targets.add(new Target("input", x, dx));
    for (Parameter p : moe.router().parameters()) {
      if (p.hasGrad()) {
        targets.add(Target.of(p));
      }
    }
    List<Target> expertTargets = new ArrayList<>();
    for (SwiGluFfn f : moe.experts()) {
      for (Parameter p : f.parameters()) {
        if (p.hasGrad()) {
          expertTargets.add(Target.of(p));
        }
      }
    }
    GradientCheck.check(
            () -> GradientCheck.dot(moe.forward(x, tags), r) + moe.weightedLoss(),
            targets,
            new GradientCheck.Options(1e-6, 1e-5, 1e-8, 40, 7))
        .assertPassed();
    // The experts' own gradients are covered by MoeLayerTest; a sample here checks the wiring.
    GradientCheck.check(
            () -> GradientCheck.dot(moe.forward(x, tags), r) + moe.weightedLoss(),
            expertTargets,
            new GradientCheck.Options(1e-6, 1e-5, 1e-8, 8, 7))
        .assertPassed();
    // Router parameters of a modality absent from the batch receive nothing; present ones do.
    for (Parameter p : moe.router().parameters()) {
      boolean absent =
          !batch.equals("MIXED") && !p.name().contains("phi") && !p.name().contains(batch.toLowerCase());
      if (absent) {
        assertFalse(p.hasGrad(), p.name() + " belongs to an absent modality");
      } else {
        assertTrue(p.grad().amaxNumber().doubleValue() > 0, p.name() + " got no gradient");
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"MODALITY_LINEAR", "DTR_NONE"})
  void frozenExpertsTrainOnlyTheRouter(Kind kind) {
    // Stage III of EvoMoE: experts frozen, router trained.
    MoeLayer moe = moe(kind, new MoeConfig(6, 8, 4, new RoutingConfig(1, false, 0.001, 0.0, RouterKind.LINEAR)), 3);
    for (SwiGluFfn f : moe.experts()) {
      f.setTrainable(false);
    }
    Modality[] tags = mixed(9);
    INDArray x = normal(1, 9, 6);
    moe.forward(x, tags);
    moe.backward(normal(2, 9, 6));
    for (SwiGluFfn f : moe.experts()) {
      for (Parameter p : f.parameters()) {
        assertFalse(p.hasGrad(), p.name());
      }
    }
    long withGrad = moe.router().parameters().stream().filter(Parameter::hasGrad).count();
    assertEquals(moe.router().parameters().size(), withGrad);
  }
}
