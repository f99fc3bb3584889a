package org.evomoe.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.Upcycling;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.LinearRouter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ExpertSimilarityTest {
  private static INDArray flat(SwiGluFfn f) {
    return Nd4j.concat(0, f.gate().value().reshape(-1), f.up().value().reshape(-1),
        f.down().value().reshape(-1)).castTo(DataType.DOUBLE);
  }

  @Test
  void upcycledCopiesAreIdenticalAndANegatedExpertIsOpposite() {
    SplittableRandom rng = new SplittableRandom(1);
    SwiGluFfn dense = new SwiGluFfn("mlp", 6, 9, DataType.FLOAT, rng);
    MoeLayer copies = Upcycling.fromDense(dense, MoeConfig.of(6, 9, 4, 1, 0.01),
        new LinearRouter("mlp.gate", 6, 4, DataType.FLOAT, rng), "mlp");
    SwiGluFfn neg = new SwiGluFfn("neg", dense.gate().value().neg(), dense.up().value().neg(),
        dense.down().value().neg());
    SwiGluFfn other = new SwiGluFfn("other", 6, 9, DataType.FLOAT, rng);
    MoeLayer mixed = new MoeLayer(MoeConfig.of(6, 9, 3, 1, 0.01),
        new LinearRouter("g", 6, 3, DataType.FLOAT, rng), List.of(dense, neg, other));
    ExpertSimilarity s = ExpertSimilarity.of(List.of(copies, mixed));
    ExpertSimilarity.LayerSimilarity l0 = s.layers().get(0);
    for (double[] row : l0.cosine()) {
      for (double c : row) {
        assertEquals(1.0, c, 1e-6);
      }
    }
    assertEquals(1.0, l0.meanOffDiagonal(), 1e-6);
    assertEquals(3L * 6 * 9, l0.parametersPerExpert());
    ExpertSimilarity.LayerSimilarity l1 = s.layers().get(1);
    assertEquals(-1.0, l1.cosine()[0][1], 1e-6);
    assertEquals(-1.0, l1.cosine()[1][0], 1e-6);
    assertEquals(-l1.cosine()[0][2], l1.cosine()[1][2], 1e-6);
    assertTrue(Math.abs(l1.cosine()[0][2]) < 0.3, "independent random experts are far apart");
    assertEquals((-1 + 2 * l1.cosine()[0][2] + 2 * l1.cosine()[1][2] - 1) / 6.0,
        l1.meanOffDiagonal(), 1e-12);
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
  void matchesAnNd4jOracleAcrossChunkBoundaries(DataType type) {
    // 64 x 600 = 38400 weights per matrix: more than one 32768-element chunk.
    SplittableRandom rng = new SplittableRandom(2);
    List<SwiGluFfn> experts = new ArrayList<>();
    SwiGluFfn base = new SwiGluFfn("e0", 64, 600, type, rng);
    experts.add(base);
    for (int e = 1; e < 4; e++) {
      SwiGluFfn noise = new SwiGluFfn("n", 64, 600, type, rng);
      double a = 0.5 * e; // increasingly far from the base
      experts.add(new SwiGluFfn("e" + e,
          base.gate().value().add(noise.gate().value().mul(a)),
          base.up().value().add(noise.up().value().mul(a)),
          base.down().value().add(noise.down().value().mul(a))));
    }
    ExpertSimilarity.LayerSimilarity s = ExpertSimilarity.ofExperts(3, experts);
    assertEquals(3, s.layer());
    double tol = type == DataType.FLOAT ? 1e-6 : 1e-12;
    for (int i = 0; i < 4; i++) {
      INDArray wi = flat(experts.get(i));
      assertEquals(wi.norm2Number().doubleValue(), s.norms()[i], tol * s.norms()[i]);
      for (int j = 0; j < 4; j++) {
        INDArray wj = flat(experts.get(j));
        double expected = wi.mul(wj).sumNumber().doubleValue()
            / (wi.norm2Number().doubleValue() * wj.norm2Number().doubleValue());
        assertEquals(expected, s.cosine()[i][j], tol, i + "," + j);
        assertEquals(s.cosine()[i][j], s.cosine()[j][i], 0.0, "symmetric");
      }
    }
    assertTrue(s.cosine()[0][1] > s.cosine()[0][2] && s.cosine()[0][2] > s.cosine()[0][3]);
  }

  @Test
  void zeroExpertGivesNaNAndMismatchedExpertsAreRejected() {
    SplittableRandom rng = new SplittableRandom(3);
    SwiGluFfn a = new SwiGluFfn("a", 4, 5, DataType.DOUBLE, rng);
    SwiGluFfn zero = new SwiGluFfn("z", Nd4j.zeros(DataType.DOUBLE, 5, 4),
        Nd4j.zeros(DataType.DOUBLE, 5, 4), Nd4j.zeros(DataType.DOUBLE, 4, 5));
    ExpertSimilarity.LayerSimilarity s = ExpertSimilarity.ofExperts(0, List.of(a, zero));
    assertEquals(1.0, s.cosine()[0][0], 0.0);
    assertTrue(Double.isNaN(s.cosine()[0][1]) && Double.isNaN(s.cosine()[1][1]));
    assertTrue(Double.isNaN(ExpertSimilarity.ofExperts(0, List.of(a)).meanOffDiagonal()));
    SwiGluFfn wider = new SwiGluFfn("w", 4, 6, DataType.DOUBLE, rng);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ExpertSimilarity.ofExperts(2, List.of(a, wider)));
    assertTrue(e.getMessage().contains("layer 2: expert 1 is 4x6"), e.getMessage());
  }
}
