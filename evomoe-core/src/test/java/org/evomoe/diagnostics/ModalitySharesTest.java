package org.evomoe.diagnostics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.evomoe.moe.MoeLayer;
import org.evomoe.router.Modalities;
import org.evomoe.router.Modality;
import org.junit.jupiter.api.Test;

class ModalitySharesTest {
  @Test
  void topOneSharesOfAHandConstructedRouting() {
    // Layer 0 sends positive feature 0 to expert 0, layer 1 the reverse.
    TinyModel m = new TinyModel(List.of(
            TinyModel.separatingMoe(2, 1, 1.0, 1), TinyModel.separatingMoe(2, 1, -1.0, 2)))
        .withSeparatingData(3);
    ModalityShares s = ModalityShares.measure(m.layers, m::pass);
    assertEquals(2, s.layers().size());
    ModalityShares.LayerShares l0 = s.layers().get(0);
    assertEquals(6L, l0.tokens().get(Modality.IMAGE));
    assertEquals(5L, l0.tokens().get(Modality.TEXT));
    // 4 of 6 image tokens have x0 > 0; 1 of 5 text tokens.
    assertArrayEquals(new double[] {4 / 6.0, 2 / 6.0}, l0.shares().get(Modality.IMAGE), 1e-15);
    assertArrayEquals(new double[] {1 / 5.0, 4 / 5.0}, l0.shares().get(Modality.TEXT), 1e-15);
    assertArrayEquals(new long[] {4, 2}, l0.assignments().get(Modality.IMAGE));
    assertArrayEquals(new long[] {5, 6}, l0.expertAssignments());
    assertEquals(2 / 6.0, s.share(1, Modality.IMAGE, 0), 1e-15);
    assertEquals(4 / 5.0, s.share(1, Modality.TEXT, 0), 1e-15);
    assertArrayEquals(new long[] {6, 5}, s.layers().get(1).expertAssignments());
  }

  @Test
  void everyTopKAssignmentCounts() {
    // E = 3, k = 2: the winner as above, and expert 2 (logit 0) always second.
    TinyModel m = new TinyModel(List.of(TinyModel.separatingMoe(3, 2, 1.0, 4)))
        .withSeparatingData(5);
    ModalityShares s = ModalityShares.measure(m.layers, m::pass);
    ModalityShares.LayerShares l = s.layers().get(0);
    assertArrayEquals(new long[] {4, 2, 6}, l.assignments().get(Modality.IMAGE));
    assertArrayEquals(new long[] {1, 4, 5}, l.assignments().get(Modality.TEXT));
    assertArrayEquals(new double[] {4 / 12.0, 2 / 12.0, 6 / 12.0}, l.shares().get(Modality.IMAGE),
        1e-15);
    assertArrayEquals(new double[] {1 / 10.0, 4 / 10.0, 5 / 10.0}, l.shares().get(Modality.TEXT),
        1e-15);
    assertArrayEquals(new long[] {5, 6, 11}, l.expertAssignments());
  }

  @Test
  void matchesACountOverLastRoutingOfRandomLayers() {
    TinyModel m = new TinyModel(List.of(
            TinyModel.randomMoe(org.evomoe.moe.MoeConfig.of(5, 7, 4, 2, 0.01),
                org.nd4j.linalg.api.buffer.DataType.FLOAT, 6)))
        .withRandomData(7, 3, 20, 5, org.nd4j.linalg.api.buffer.DataType.FLOAT);
    ModalityShares s = ModalityShares.measure(m.layers, m::pass);
    long[][] expected = new long[2][4];
    MoeLayer layer = m.layers.get(0);
    for (int b = 0; b < m.inputs.size(); b++) {
      layer.forward(m.inputs.get(b), m.tags.get(b));
      var r = layer.lastRouting();
      for (int t = 0; t < r.numTokens(); t++) {
        for (int j = 0; j < 2; j++) {
          expected[m.tags.get(b)[t].id()][r.expert(t, j)]++;
        }
      }
    }
    for (Modality mod : Modalities.IMAGE_TEXT.all()) {
      assertArrayEquals(expected[mod.id()], s.layers().get(0).assignments().get(mod));
      double sum = 0;
      for (double v : s.layers().get(0).shares().get(mod)) {
        sum += v;
      }
      assertEquals(1.0, sum, 1e-12);
    }
  }

  @Test
  void absentModalityHasNoEntryAndForcedRoutingCountsForTheForcedExpert() {
    MoeLayer moe = TinyModel.separatingMoe(3, 2, 1.0, 8);
    moe.forceExpert(1);
    TinyModel m = new TinyModel(List.of(moe))
        .batch(org.evomoe.TestArrays.normal(9, 7, 4), Modality.all(7, Modality.TEXT));
    ModalityShares s = ModalityShares.measure(m.layers, m::pass);
    assertTrue(s.layers().get(0).shares().get(Modality.IMAGE) == null);
    assertArrayEquals(new double[] {0, 1, 0}, s.layers().get(0).shares().get(Modality.TEXT), 0.0);
    assertEquals(1, moe.forcedExpert(), "measuring leaves forced routing as it was");
    assertThrows(IllegalArgumentException.class, () -> s.share(0, Modality.IMAGE, 0));
  }

  @Test
  void layerThatThePassDoesNotReachIsReported() {
    MoeLayer reached = TinyModel.separatingMoe(2, 1, 1.0, 10);
    MoeLayer unreached = TinyModel.separatingMoe(2, 1, 1.0, 11);
    TinyModel m = new TinyModel(List.of(reached)).withSeparatingData(12);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> ModalityShares.measure(List.of(reached, unreached), m::pass));
    assertTrue(e.getMessage().contains("layer 1"), e.getMessage());
  }
}
