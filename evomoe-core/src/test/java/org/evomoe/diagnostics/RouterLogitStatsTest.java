package org.evomoe.diagnostics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.router.LinearRouter;
import org.evomoe.router.Modalities;
import org.evomoe.router.Modality;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class RouterLogitStatsTest {
  /** Direct computation: every (layer, modality, expert) logit value, and softmax rows. */
  private static final class Direct {
    final List<List<List<List<Double>>>> values = new ArrayList<>(); // [layer][mod][expert]
    final double[][][] probSum; // [layer][mod][expert]
    final int[][] tokens; // [layer][mod]

    Direct(TinyModel m, int experts) {
      int nl = m.layers.size();
      probSum = new double[nl][2][experts];
      tokens = new int[nl][2];
      for (int l = 0; l < nl; l++) {
        List<List<List<Double>>> byMod = new ArrayList<>();
        for (int mod = 0; mod < 2; mod++) {
          List<List<Double>> byExpert = new ArrayList<>();
          for (int e = 0; e < experts; e++) {
            byExpert.add(new ArrayList<>());
          }
          byMod.add(byExpert);
        }
        values.add(byMod);
        for (int b = 0; b < m.inputs.size(); b++) {
          INDArray z = m.layers.get(l).router().forward(m.inputs.get(b), m.tags.get(b))
              .castTo(DataType.DOUBLE);
          for (int t = 0; t < z.size(0); t++) {
            int mod = m.tags.get(b)[t].id();
            double[] row = z.getRow(t).toDoubleVector();
            double max = Arrays.stream(row).max().orElseThrow();
            double s = Arrays.stream(row).map(v -> Math.exp(v - max)).sum();
            for (int e = 0; e < experts; e++) {
              byMod.get(mod).get(e).add(row[e]);
              probSum[l][mod][e] += Math.exp(row[e] - max) / s;
            }
            tokens[l][mod]++;
          }
        }
      }
    }

    double[] meanProbs(int l, Modality m) {
      double[] p = probSum[l][m.id()].clone();
      for (int e = 0; e < p.length; e++) {
        p[e] /= tokens[l][m.id()];
      }
      return p;
    }
  }

  private static TinyModel randomModel(DataType type) {
    return new TinyModel(List.of(
            TinyModel.randomMoe(MoeConfig.of(5, 6, 4, 2, 0.01), type, 1),
            TinyModel.randomMoe(MoeConfig.of(5, 6, 4, 1, 0.01), type, 2)))
        .withRandomData(3, 3, 13, 5, type);
  }

  @Test
  void statsAndHistogramsMatchADirectComputation() {
    TinyModel m = randomModel(DataType.FLOAT);
    RouterLogitStats s = RouterLogitStats.measure(m.layers, m::pass, 7);
    Direct d = new Direct(m, 4);
    double globalMin = Double.POSITIVE_INFINITY;
    double globalMax = Double.NEGATIVE_INFINITY;
    for (var layer : d.values) {
      for (var mod : layer) {
        for (var ex : mod) {
          for (double v : ex) {
            globalMin = Math.min(globalMin, v);
            globalMax = Math.max(globalMax, v);
          }
        }
      }
    }
    double[] edges = s.binEdges();
    assertEquals(8, edges.length);
    assertEquals(globalMin, edges[0], 0.0);
    assertEquals(globalMax, edges[7], 0.0);
    assertEquals(2 * 2 * 4, s.cells().size());
    for (int l = 0; l < 2; l++) {
      for (Modality mod : Modalities.IMAGE_TEXT.all()) {
        for (int e = 0; e < 4; e++) {
          List<Double> v = d.values.get(l).get(mod.id()).get(e);
          double mean = v.stream().mapToDouble(x -> x).average().orElseThrow();
          double var = v.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / v.size();
          RouterLogitStats.LogitCell c = s.cell(l, mod, e);
          assertEquals(v.size(), c.count());
          assertEquals(mean, c.mean(), 1e-12);
          assertEquals(Math.sqrt(var), c.std(), 1e-12);
          assertEquals(v.stream().mapToDouble(x -> x).min().orElseThrow(), c.min(), 0.0);
          assertEquals(v.stream().mapToDouble(x -> x).max().orElseThrow(), c.max(), 0.0);
          assertEquals(d.meanProbs(l, mod)[e], c.meanProb(), 1e-12);
          long[] hist = new long[7];
          for (double x : v) {
            int b = 0;
            while (b < 6 && x >= edges[b + 1]) {
              b++;
            }
            hist[b]++;
          }
          assertArrayEquals(hist, c.histogram(), "layer " + l + " " + mod + " expert " + e);
          assertEquals(0, c.below() + c.above());
        }
      }
    }
  }

  @Test
  void givenEdgesStreamAndCountOutliers() {
    TinyModel m = randomModel(DataType.DOUBLE);
    double[] edges = {-1.0, -0.25, 0.0, 0.5, 1.0};
    RouterLogitStats given = RouterLogitStats.measure(m.layers, m::pass, edges);
    RouterLogitStats auto = RouterLogitStats.measure(m.layers, m::pass, 3);
    Direct d = new Direct(m, 4);
    assertArrayEquals(edges, given.binEdges(), 0.0);
    for (RouterLogitStats.LogitCell c : given.cells()) {
      List<Double> v = d.values.get(c.layer()).get(c.modality().id()).get(c.expert());
      assertEquals(v.stream().filter(x -> x < -1.0).count(), c.below());
      assertEquals(v.stream().filter(x -> x > 1.0).count(), c.above());
      assertEquals(v.stream().filter(x -> x >= 0.0 && x < 0.5).count(), c.histogram()[2]);
      assertEquals(c.count(), c.below() + c.above() + Arrays.stream(c.histogram()).sum());
      RouterLogitStats.LogitCell a = auto.cell(c.layer(), c.modality(), c.expert());
      assertEquals(a.mean(), c.mean(), 0.0);
      assertEquals(a.std(), c.std(), 0.0);
    }
    assertTrue(given.cells().stream().mapToLong(c -> c.below() + c.above()).sum() > 0,
        "the test data must reach outside the edges");
    assertThrows(IllegalArgumentException.class,
        () -> RouterLogitStats.measure(m.layers, m::pass, new double[] {0.0, 0.0}));
    assertThrows(IllegalArgumentException.class,
        () -> RouterLogitStats.measure(m.layers, m::pass, 0));
  }

  @Test
  void separationIsZeroForAModalityBlindZeroRouterAndMatchesItsFormulaOtherwise() {
    MoeLayer blind = TinyModel.separatingMoe(2, 1, 1.0, 4);
    ((LinearRouter) blind.router()).weight().value().assign(0);
    MoeLayer separating = TinyModel.separatingMoe(2, 1, 1.0, 5);
    TinyModel m = new TinyModel(List.of(blind, separating)).withSeparatingData(6);
    RouterLogitStats s = RouterLogitStats.measure(m.layers, m::pass);
    RouterLogitStats.ModalitySeparation s0 = s.separation(0, Modality.IMAGE, Modality.TEXT);
    assertEquals(0.0, s0.totalVariation(), 1e-15);
    assertEquals(0.0, s0.jensenShannon(), 1e-15);
    assertArrayEquals(new double[] {0.5, 0.5}, s0.meanProbsA(), 1e-15);
    // Single bin when every value is equal: [v - 0.5, v + 0.5].
    assertEquals(1, s.separations().stream().filter(x -> x.layer() == 1).count());
    Direct d = new Direct(m, 2);
    double[] p = d.meanProbs(1, Modality.IMAGE);
    double[] q = d.meanProbs(1, Modality.TEXT);
    double tv = 0.5 * (Math.abs(p[0] - q[0]) + Math.abs(p[1] - q[1]));
    double js = 0;
    for (int e = 0; e < 2; e++) {
      double mid = (p[e] + q[e]) / 2;
      js += 0.5 * p[e] * Math.log(p[e] / mid) + 0.5 * q[e] * Math.log(q[e] / mid);
    }
    RouterLogitStats.ModalitySeparation s1 = s.separation(1, Modality.TEXT, Modality.IMAGE);
    assertEquals(Modality.IMAGE, s1.modalityA());
    assertEquals(tv, s1.totalVariation(), 1e-12);
    assertEquals(js, s1.jensenShannon(), 1e-12);
    assertTrue(tv > 0.3 && js > 0.05 && js <= Math.log(2), "tv " + tv + " js " + js);
  }

  @Test
  void constantLogitsGetAUnitWideBinAroundTheirValue() {
    MoeLayer blind = TinyModel.separatingMoe(2, 1, 1.0, 7);
    ((LinearRouter) blind.router()).weight().value().assign(0);
    TinyModel m = new TinyModel(List.of(blind)).withSeparatingData(8);
    RouterLogitStats s = RouterLogitStats.measure(m.layers, m::pass, 4);
    assertArrayEquals(new double[] {-0.5, -0.25, 0.0, 0.25, 0.5}, s.binEdges(), 1e-15);
    assertArrayEquals(new long[] {0, 0, 6, 0}, s.cell(0, Modality.IMAGE, 1).histogram());
  }

  @Test
  void forcedRoutingHasNoLogitsAndLeavesListenersClean() {
    MoeLayer moe = TinyModel.separatingMoe(2, 1, 1.0, 9);
    moe.forceExpert(0);
    TinyModel m = new TinyModel(List.of(moe)).withSeparatingData(10);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> RouterLogitStats.measure(m.layers, m::pass));
    assertTrue(e.getMessage().contains("forced"), e.getMessage());
    assertNull(moe.routingListener());
    assertEquals(0, moe.forcedExpert());
  }
}
