package org.evomoe.diagnostics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.router.LinearRouter;
import org.evomoe.router.Modality;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class RoutingEntropyTest {
  @Test
  void uniformLogitsHaveEntropyLnEAndTiesLeaveExpertsDead() {
    MoeLayer moe = TinyModel.randomMoe(MoeConfig.of(5, 6, 4, 1, 0.01), DataType.DOUBLE, 1);
    ((LinearRouter) moe.router()).weight().value().assign(0); // every logit 0
    TinyModel m = new TinyModel(List.of(moe)).withRandomData(2, 2, 9, 5, DataType.DOUBLE);
    RoutingEntropy r = RoutingEntropy.measure(m.layers, m::pass);
    RoutingEntropy.LayerEntropy l = r.layers().get(0);
    assertEquals(Math.log(4), l.meanTokenEntropy(), 1e-12);
    assertEquals(Math.log(4), l.maxEntropy(), 0.0);
    assertEquals(Math.log(4), l.meanTokenEntropyByModality().get(Modality.IMAGE), 1e-12);
    assertEquals(18, l.tokens());
    // Ties go to the lower index: every token picks expert 0.
    assertArrayEquals(new long[] {18, 0, 0, 0}, l.assignments());
    assertEquals(0.0, l.loadEntropy(), 0.0);
    assertArrayEquals(new int[] {1, 2, 3}, l.deadExperts());
  }

  @Test
  void expertTheRouterCanNeverPickIsDeadAndThresholdsWork() {
    // E = 3, top-1: expert 2 has logit 0 while the winner has 5|x0| > 0.
    TinyModel m = new TinyModel(List.of(TinyModel.separatingMoe(3, 1, 1.0, 3)))
        .withSeparatingData(4);
    RoutingEntropy r = RoutingEntropy.measure(m.layers, m::pass);
    RoutingEntropy.LayerEntropy l = r.layers().get(0);
    // Expert 0: 4 image + 1 text tokens; expert 1: 2 image + 4 text.
    assertArrayEquals(new long[] {5, 6, 0}, l.assignments());
    assertArrayEquals(new int[] {2}, l.deadExperts());
    double a = 5 / 11.0;
    double b = 6 / 11.0;
    assertEquals(-a * Math.log(a) - b * Math.log(b), l.loadEntropy(), 1e-12);
    assertArrayEquals(new int[] {0, 2},
        RoutingEntropy.measure(m.layers, m::pass, 0.5).layers().get(0).deadExperts());
    assertArrayEquals(new int[] {2},
        RoutingEntropy.measure(m.layers, m::pass, 5 / 11.0).layers().get(0).deadExperts(),
        "share exactly at the threshold is not dead");
  }

  @Test
  void tokenEntropyMatchesADirectComputationPerModality() {
    MoeLayer moe = TinyModel.randomMoe(MoeConfig.of(5, 6, 4, 2, 0.01), DataType.DOUBLE, 5);
    TinyModel m = new TinyModel(List.of(moe)).withRandomData(6, 3, 11, 5, DataType.DOUBLE);
    RoutingEntropy.LayerEntropy l = RoutingEntropy.measure(m.layers, m::pass).layers().get(0);
    double[] sum = new double[2];
    int[] n = new int[2];
    for (int b = 0; b < m.inputs.size(); b++) {
      INDArray logits = moe.router().forward(m.inputs.get(b), m.tags.get(b));
      for (int t = 0; t < logits.size(0); t++) {
        double[] z = logits.getRow(t).toDoubleVector();
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
          max = Math.max(max, v);
        }
        double s = 0;
        for (double v : z) {
          s += Math.exp(v - max);
        }
        double h = 0;
        for (double v : z) {
          double p = Math.exp(v - max) / s;
          h -= p * Math.log(p);
        }
        int mod = m.tags.get(b)[t].id();
        sum[mod] += h;
        n[mod]++;
      }
    }
    assertEquals((sum[0] + sum[1]) / (n[0] + n[1]), l.meanTokenEntropy(), 1e-12);
    assertEquals(sum[Modality.IMAGE.id()] / n[Modality.IMAGE.id()],
        l.meanTokenEntropyByModality().get(Modality.IMAGE), 1e-12);
    assertEquals(sum[Modality.TEXT.id()] / n[Modality.TEXT.id()],
        l.meanTokenEntropyByModality().get(Modality.TEXT), 1e-12);
    assertEquals(2L * l.tokens(), java.util.Arrays.stream(l.assignments()).sum());
  }

  @Test
  void invalidThresholdIsRejected() {
    TinyModel m = new TinyModel(List.of(TinyModel.separatingMoe(2, 1, 1.0, 7)));
    assertThrows(IllegalArgumentException.class, () -> RoutingEntropy.measure(m.layers, m::pass, -0.1));
    assertThrows(IllegalArgumentException.class, () -> RoutingEntropy.measure(m.layers, m::pass, 1.0));
    assertThrows(IllegalArgumentException.class,
        () -> RoutingEntropy.measure(m.layers, m::pass, Double.NaN));
  }
}
