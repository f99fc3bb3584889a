package org.evomoe.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class StandaloneExpertsTest {
  private static TinyModel model() {
    return new TinyModel(List.of(
            TinyModel.randomMoe(MoeConfig.of(5, 6, 3, 2, 0.01), DataType.DOUBLE, 1),
            TinyModel.randomMoe(MoeConfig.of(5, 6, 3, 1, 0.01), DataType.DOUBLE, 2)))
        .withRandomData(3, 2, 8, 5, DataType.DOUBLE);
  }

  /** Mean over layers and batches of sum(expert_i(x)) of each layer's own expert i. */
  private static double expertAlone(TinyModel m, int i) {
    double s = 0;
    for (var x : m.inputs) {
      for (MoeLayer l : m.layers) {
        s += l.experts().get(i).forward(x).sumNumber().doubleValue();
      }
    }
    return s / (m.inputs.size() * m.layers.size());
  }

  @Test
  void eachExpertAloneScoresItsOwnOutputAndRoutingIsRestored() {
    TinyModel m = model();
    double routed = m.outputSum();
    // Settings the test must put back: layer 1 forced to expert 2, layer 0 shuffling.
    SplittableRandom userRng = new SplittableRandom(9);
    m.layers.get(0).setLogitShuffle(userRng);
    m.layers.get(1).forceExpert(2);
    List<String> seen = new ArrayList<>();
    StandaloneExperts r = StandaloneExperts.run(m.layers, () -> {
      seen.add(m.layers.get(0).forcedExpert() + "," + m.layers.get(1).forcedExpert() + ","
          + (m.layers.get(0).logitShuffle() == null));
      return m.outputSum();
    });
    assertEquals(List.of("-1,-1,true", "0,0,true", "1,1,true", "2,2,true"), seen);
    assertEquals(routed, r.routedBaseline(), 1e-12);
    assertEquals(3, r.scores().length);
    for (int i = 0; i < 3; i++) {
      assertEquals(expertAlone(m, i), r.scores()[i], 1e-12, "expert " + i);
    }
    assertTrue(Math.abs(r.scores()[0] - r.scores()[1]) > 1e-6, "distinct experts score apart");
    assertSame(userRng, m.layers.get(0).logitShuffle());
    assertEquals(-1, m.layers.get(0).forcedExpert());
    assertEquals(2, m.layers.get(1).forcedExpert());
  }

  @Test
  void routingIsRestoredWhenTheMetricThrows() {
    TinyModel m = model();
    m.layers.get(0).forceExpert(1);
    int[] calls = {0};
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> StandaloneExperts.run(m.layers, () -> {
          if (++calls[0] == 3) {
            throw new IllegalStateException("evaluation failed");
          }
          return m.outputSum();
        }));
    assertEquals("evaluation failed", e.getMessage());
    assertEquals(1, m.layers.get(0).forcedExpert());
    assertEquals(-1, m.layers.get(1).forcedExpert());
  }

  @Test
  void layersWithDifferentExpertCountsAreRejected() {
    List<MoeLayer> layers = List.of(
        TinyModel.randomMoe(MoeConfig.of(5, 6, 3, 1, 0.01), DataType.DOUBLE, 4),
        TinyModel.randomMoe(MoeConfig.of(5, 6, 4, 1, 0.01), DataType.DOUBLE, 5));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> StandaloneExperts.run(layers, () -> 0.0));
    assertTrue(e.getMessage().contains("layer 1 has 4"), e.getMessage());
  }
}
