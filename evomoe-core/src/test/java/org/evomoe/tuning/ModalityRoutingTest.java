package org.evomoe.tuning;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.evomoe.TestArrays;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.moe.RoutingRecord;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.DynamicTokenRouter;
import org.evomoe.router.LinearRouter;
import org.evomoe.router.Modality;
import org.evomoe.router.ModalityLinearRouter;
import org.evomoe.router.Router;
import org.evomoe.router.RouterKind;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Router rigidity on a task where the useful expert depends only on the modality: image and text
 * tokens have the SAME feature distribution, image targets come from teacher A and text targets
 * from teacher B, and experts 0 and 1 are copies of A and B (frozen, as in Stage III). A router
 * that sees the modality tag (DTR, modality-linear) can send image tokens to expert 0 and text
 * tokens to expert 1; a linear router sees only the features and cannot separate them.
 */
class ModalityRoutingTest {
  static final int D = 8;
  static final int H = 16;
  static final int T = 96; // first half image, second half text
  static final double MARGIN = 0.5; // total-variation distance that counts as "clearly separated"

  record Setup(MoeLayer moe, INDArray x, INDArray target, Modality[] tags) {}

  /** A model that is just one residual MoE layer: y = x + moe(x). */
  static final class MoeOnly implements TunableModel {
    final MoeLayer moe;

    MoeOnly(MoeLayer moe) {
      this.moe = moe;
    }

    @Override
    public List<MoeLayer> moeLayers() {
      return List.of(moe);
    }

    @Override
    public List<Parameter> parameters() {
      return moe.parameters();
    }
  }

  static Setup setup(Function<SplittableRandom, Router> router, boolean upcycledCopies) {
    SplittableRandom rng = new SplittableRandom(21);
    SwiGluFfn a = new SwiGluFfn("a", D, H, DataType.DOUBLE, rng);
    SwiGluFfn b = new SwiGluFfn("b", D, H, DataType.DOUBLE, rng);
    a.gate().value().muli(2);
    b.gate().value().muli(2);
    List<SwiGluFfn> experts = new ArrayList<>();
    for (int e = 0; e < 4; e++) {
      String name = "model.layers.0.mlp.experts." + e;
      SwiGluFfn source = upcycledCopies ? a : switch (e) {
        case 0 -> a;
        case 1 -> b;
        default -> new SwiGluFfn("r" + e, D, H, DataType.DOUBLE, rng);
      };
      experts.add(source.copy(name));
    }
    Router r = router.apply(rng);
    MoeLayer moe = new MoeLayer(
        new MoeConfig(D, H, 4, RoutingConfig.of(RouterKind.of(r), 1, 0.001)), r, experts);
    // Same distribution for both modalities; feature 0 is constant, as hidden states have a
    // non-zero mean (the routers have no bias, so a constant preference needs such a direction).
    INDArray x = TestArrays.normal(5, T, D);
    x.getColumn(0).assign(1.0);
    Modality[] tags = new Modality[T];
    for (int t = 0; t < T; t++) {
      tags[t] = t < T / 2 ? Modality.IMAGE : Modality.TEXT;
    }
    INDArray xi = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, T / 2),
        org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
    INDArray xt = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(T / 2, T),
        org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
    INDArray target = Nd4j.vstack(xi.add(a.forward(xi)), xt.add(b.forward(xt)));
    return new Setup(moe, x, target, tags);
  }

  /** Trains the router alone (Stage III: top-1, alpha 0.001), returns the TV distance. */
  static double trainAndMeasure(Setup s) {
    MoeOnly model = new MoeOnly(s.moe());
    StageRunner.run(model, Stages.dtr(new OptimSettings(300, 1, 0.1, 0.03, 0.1, 0, 1.0)),
        (step, mb) -> {
          INDArray y = s.x().add(s.moe().forward(s.x(), s.tags()));
          INDArray diff = y.sub(s.target());
          double loss = diff.mul(diff).sumNumber().doubleValue() / diff.length();
          s.moe().backward(diff.muli(2.0 / diff.length()));
          return loss + s.moe().weightedLoss();
        });
    s.moe().forward(s.x(), s.tags());
    return totalVariation(s.moe().lastRouting(), s.tags());
  }

  /** 0.5 * sum_e |share of image tokens to e - share of text tokens to e|. */
  static double totalVariation(RoutingRecord r, Modality[] tags) {
    double[] img = new double[r.numExperts()];
    double[] txt = new double[r.numExperts()];
    int ni = 0;
    int nt = 0;
    for (int t = 0; t < r.numTokens(); t++) {
      if (tags[t].equals(Modality.IMAGE)) {
        img[r.expert(t, 0)]++;
        ni++;
      } else {
        txt[r.expert(t, 0)]++;
        nt++;
      }
    }
    double tv = 0;
    for (int e = 0; e < img.length; e++) {
      tv += Math.abs(img[e] / ni - txt[e] / nt);
    }
    return tv / 2;
  }

  @Test
  void modalityAwareRoutersSeparateImageAndTextTokensAndTheLinearRouterDoesNot() {
    double dtr = trainAndMeasure(setup(rng -> new DynamicTokenRouter("model.layers.0.mlp.gate", D, 4, DtrConfig.defaults(), DataType.DOUBLE, rng), false));
    double modality = trainAndMeasure(setup(rng ->
        new ModalityLinearRouter("model.layers.0.mlp.gate", D, 4, DataType.DOUBLE, rng), false));
    double linearDistinct = trainAndMeasure(setup(rng ->
        new LinearRouter("model.layers.0.mlp.gate", D, 4, DataType.DOUBLE, rng), false));
    double linearCopies = trainAndMeasure(setup(rng ->
        new LinearRouter("model.layers.0.mlp.gate", D, 4, DataType.DOUBLE, rng), true));
    String all = String.format("TV distance: DTR %.3f, modality-linear %.3f, linear %.3f, linear on copies %.3f",
        dtr, modality, linearDistinct, linearCopies);
    assertTrue(dtr > MARGIN, all);
    assertTrue(modality > MARGIN, all);
    assertTrue(linearDistinct < MARGIN, all);
    assertTrue(linearCopies < MARGIN, all);
  }
}
