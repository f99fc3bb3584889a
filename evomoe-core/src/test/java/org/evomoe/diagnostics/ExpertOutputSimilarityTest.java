package org.evomoe.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.TestArrays;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.moe.RoutingRecord;
import org.evomoe.moe.TokenMask;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.DynamicTokenRouter;
import org.evomoe.router.LinearRouter;
import org.evomoe.router.Modality;
import org.evomoe.router.RouterKind;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class ExpertOutputSimilarityTest {
  private static final DataType D = DataType.DOUBLE;

  static MoeLayer layer(List<SwiGluFfn> experts) {
    return new MoeLayer(MoeConfig.of(4, 5, experts.size(), 1, 0.0),
        new LinearRouter("g", 4, experts.size(), D, new SplittableRandom(3)), experts);
  }

  static SwiGluFfn scaled(SwiGluFfn f, String name, double downScale) {
    return new SwiGluFfn(name, f.gate().value().dup(), f.up().value().dup(),
        f.down().value().mul(downScale));
  }

  @Test
  void scaledAndNegatedCopiesGiveOneAndMinusOne() {
    SwiGluFfn e0 = new SwiGluFfn("e0", 4, 5, D, new SplittableRandom(1));
    MoeLayer moe = layer(List.of(e0, scaled(e0, "e1", 2.0), scaled(e0, "e2", -1.0)));
    INDArray x = TestArrays.normal(2, 9, 4);
    ExpertOutputSimilarity s = ExpertOutputSimilarity.measure(List.of(moe),
        () -> moe.forward(x, Modality.all(9, Modality.TEXT)));
    ExpertOutputSimilarity.LayerOutputSimilarity l = s.layers().get(0);
    assertEquals(9, l.tokens());
    assertEquals(1.0, l.cosine()[0][1], 1e-12);
    assertEquals(-1.0, l.cosine()[0][2], 1e-12);
    assertEquals(-1.0, l.cosine()[2][1], 1e-12);
    assertEquals(-1.0 / 3, l.meanOffDiagonal(), 1e-12);
    assertNull(moe.inputListener(), "the pass must leave no listener behind");
  }

  @Test
  void expertsWritingDisjointFeaturesAreOrthogonal() {
    SwiGluFfn a = new SwiGluFfn("a", 4, 5, D, new SplittableRandom(4));
    SwiGluFfn b = new SwiGluFfn("b", 4, 5, D, new SplittableRandom(5));
    for (int r = 0; r < 4; r++) { // a writes only feature 0, b only feature 1
      if (r != 0) {
        a.down().value().getRow(r).assign(0);
      }
      if (r != 1) {
        b.down().value().getRow(r).assign(0);
      }
    }
    MoeLayer moe = layer(List.of(a, b));
    INDArray x = TestArrays.normal(6, 7, 4);
    ExpertOutputSimilarity s = ExpertOutputSimilarity.measure(List.of(moe),
        () -> moe.forward(x, Modality.all(7, Modality.TEXT)));
    assertEquals(0.0, s.layers().get(0).cosine()[0][1], 0.0);
    assertEquals(7, s.layers().get(0).pairTokens()[0][1]);
    assertTrue(s.toCsv("layers").startsWith("layer,experts,tokens,mean_off_diagonal"));
  }

  @Test
  void paddingIsNotMeasured() {
    MoeLayer moe = TinyModel.randomMoe(MoeConfig.of(4, 6, 3, 2, 0.01), D, 9);
    INDArray real = TestArrays.normal(7, 5, 4);
    INDArray padded = TestArrays.normal(8, 8, 4).muli(10);
    boolean[] flags = {true, false, true, true, false, true, true, false};
    for (int i = 0, r = 0; i < flags.length; i++) {
      if (flags[i]) {
        padded.putRow(i, real.getRow(r++));
      }
    }
    ExpertOutputSimilarity a = ExpertOutputSimilarity.measure(List.of(moe),
        () -> moe.forward(real, Modality.all(5, Modality.TEXT)));
    ExpertOutputSimilarity b = ExpertOutputSimilarity.measure(List.of(moe),
        () -> moe.forward(padded, Modality.all(8, Modality.TEXT), TokenMask.of(flags)));
    assertEquals(5, b.layers().get(0).tokens());
    assertEquals(a.toCsv(), b.toCsv());
  }

  @Test
  void aLayerThatSawNoTokenFails() {
    MoeLayer moe = TinyModel.randomMoe(MoeConfig.of(4, 6, 3, 1, 0.01), D, 2);
    assertThrows(IllegalStateException.class,
        () -> ExpertOutputSimilarity.measure(List.of(moe), () -> { }));
  }

  @Test
  void diagnosticsRunOnAFreshlyInitialisedDtr() {
    // The baseline of how much the modality input alone separates: the DTR before any training.
    SplittableRandom rng = new SplittableRandom(12);
    List<SwiGluFfn> experts = List.of(new SwiGluFfn("e0", 8, 6, D, rng),
        new SwiGluFfn("e1", 8, 6, D, rng), new SwiGluFfn("e2", 8, 6, D, rng));
    MoeLayer moe = new MoeLayer(new MoeConfig(8, 6, 3, RoutingConfig.evoMoe()),
        new DynamicTokenRouter("g", 8, 3, DtrConfig.defaults(), D, rng), experts);
    assertEquals(RouterKind.DTR, moe.routing().routerKind());
    INDArray x = TestArrays.normal(13, 40, 8);
    Modality[] tags = new Modality[40];
    for (int i = 0; i < 40; i++) {
      tags[i] = i < 20 ? Modality.IMAGE : Modality.TEXT;
    }
    ModalitySeparation sep = ModalitySeparation.measure(List.of(moe), () -> moe.forward(x, tags));
    ModalitySeparation.PairSeparation p = sep.pair(0, Modality.IMAGE, Modality.TEXT);
    // Oracle from the routing record: total variation of the two modalities' top-1 shares and of
    // their mean probabilities (20 tokens each).
    RoutingRecord rec = moe.lastRouting();
    double[][] hard = new double[2][3];
    double[][] soft = new double[2][3];
    for (int t = 0; t < 40; t++) {
      int m = t < 20 ? 0 : 1;
      hard[m][rec.expert(t, 0)] += 1 / 20.0;
      for (int e = 0; e < 3; e++) {
        soft[m][e] += rec.prob(t, e) / 20;
      }
    }
    double hardTv = 0;
    double softTv = 0;
    for (int e = 0; e < 3; e++) {
      hardTv += Math.abs(hard[0][e] - hard[1][e]) / 2;
      softTv += Math.abs(soft[0][e] - soft[1][e]) / 2;
    }
    assertTrue(hardTv > 0, "the fresh DTR already routes the modalities differently");
    assertEquals(hardTv, p.hardTotalVariation(), 1e-12);
    assertEquals(softTv, p.softTotalVariation(), 1e-12);
    ExpertOutputSimilarity out = ExpertOutputSimilarity.measure(List.of(moe), () -> moe.forward(x, tags));
    double cos = out.layers().get(0).meanOffDiagonal();
    assertTrue(cos > -1 && cos < 1, "a mean cosine of distinct random experts: " + cos);
  }
}
