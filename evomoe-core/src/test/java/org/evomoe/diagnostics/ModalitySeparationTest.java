package org.evomoe.diagnostics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.RoutingRecord;
import org.evomoe.router.Modality;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class ModalitySeparationTest {
  private static final Modality I = Modality.IMAGE;
  private static final Modality X = Modality.TEXT;

  /** A top-1 record of E = 2 experts with the given probabilities of expert 0. */
  static RoutingRecord record(double[] p0, Modality[] tags) {
    int t = p0.length;
    int[] experts = new int[t];
    double[] gates = new double[t];
    double[] probs = new double[2 * t];
    double[] logits = new double[2 * t];
    int[] counts = new int[2];
    int[] rows = new int[t];
    for (int i = 0; i < t; i++) {
      probs[2 * i] = p0[i];
      probs[2 * i + 1] = 1 - p0[i];
      logits[2 * i] = Math.log(p0[i]);
      logits[2 * i + 1] = Math.log(1 - p0[i]);
      experts[i] = p0[i] >= 0.5 ? 0 : 1;
      gates[i] = Math.max(p0[i], 1 - p0[i]);
      counts[experts[i]]++;
      rows[i] = i;
    }
    return new RoutingRecord(t, 2, 1, experts, gates, probs, counts, true, logits, tags, rows);
  }

  static ModalitySeparation.Collector collector() {
    MoeLayer twoExperts = TinyModel.randomMoe(MoeConfig.of(4, 5, 2, 1, 0.0), DataType.DOUBLE, 1);
    return ModalitySeparation.collector(List.of(twoExperts));
  }

  @Test
  void sharpSeparationWithSoftProbabilitiesIsOneHardButSmallSoft() {
    ModalitySeparation.Collector c = collector();
    c.observe(0, record(new double[] {0.6, 0.6, 0.4, 0.4}, new Modality[] {I, I, X, X}));
    ModalitySeparation s = c.result();
    ModalitySeparation.PairSeparation p = s.pair(0, X, I);
    assertEquals(1.0, p.hardTotalVariation(), 1e-15);
    assertEquals(0.2, p.softTotalVariation(), 1e-15);
    assertArrayEquals(new double[] {1, 0}, s.layers().get(0).hardTop1Shares().get(I), 1e-15);
    assertArrayEquals(new double[] {0.4, 0.6}, s.layers().get(0).softShares().get(X), 1e-15);
    assertEquals(2L, s.layers().get(0).tokens().get(I));
  }

  @Test
  void mixedRoutingAccumulatesOverRecords() {
    ModalitySeparation.Collector c = collector();
    c.observe(0, record(new double[] {0.7, 0.2}, new Modality[] {I, I}));
    c.observe(0, record(new double[] {0.1}, new Modality[] {X}));
    ModalitySeparation.PairSeparation p = c.result().pair(0, I, X);
    // hard: image [0.5, 0.5], text [0, 1] -> 0.5; soft: image [0.45, 0.55], text [0.1, 0.9] -> 0.35.
    assertEquals(0.5, p.hardTotalVariation(), 1e-15);
    assertEquals(0.35, p.softTotalVariation(), 1e-15);
    String csv = c.result().toCsv("pairs");
    assertTrue(csv.startsWith("layer,modality_a,modality_b,tokens_a,tokens_b,tv_hard,tv_soft"), csv);
  }

  @Test
  void oneModalityHasNoPairAndALayerWithoutTokensFails() {
    ModalitySeparation.Collector c = collector();
    assertThrows(IllegalStateException.class, c::result);
    c.observe(0, record(new double[] {0.9}, new Modality[] {X}));
    assertTrue(c.result().layers().get(0).pairs().isEmpty());
    assertThrows(IllegalArgumentException.class, () -> c.result().pair(0, I, X));
  }
}
