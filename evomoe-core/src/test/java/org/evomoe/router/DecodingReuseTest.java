package org.evomoe.router;

import static org.evomoe.TestArrays.maxAbsDiff;
import static org.evomoe.TestArrays.normal;
import static org.evomoe.router.ModalityLinearRouterTest.mixed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.RoutersInMoeLayerTest.Kind;
import org.evomoe.tensor.FrozenWeights;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.ScopedArrays;
import org.evomoe.tensor.TransposedWeights;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Inside a {@link FrozenWeights} scope, forwards of at most {@link TransposedWeights#MAX_ROWS}
 * rows of a MoE layer (its experts' arrays), its DTR's hypernetworks and a dense {@link SwiGluFfn}
 * write their work arrays into arrays kept for the scope ({@link ScopedArrays}) and reused by the
 * next forward. Oracles: the outputs a caller receives are not overwritten by later forwards; the
 * backward after several scoped forwards is a twin's after one unscoped forward of the last input
 * (double weights: the scoped products differ from the gemms only in rounding).
 */
class DecodingReuseTest {
  private static final double TOL = 1e-12;

  @ParameterizedTest
  @CsvSource({"DTR_SILU,1", "DTR_NONE,2", "MODALITY_LINEAR,1"})
  void reusedArraysKeepEachOutputAndTheBackwardOfTheLastForward(Kind kind, int topK) {
    MoeConfig c = new MoeConfig(6, 8, 4,
        new RoutingConfig(topK, topK > 1, 0.3, 0.001, org.evomoe.router.RouterKind.LINEAR));
    MoeLayer scoped = RoutersInMoeLayerTest.moe(kind, c, 70 + topK);
    MoeLayer twin = RoutersInMoeLayerTest.moe(kind, c, 70 + topK);
    SwiGluFfn ffn = new SwiGluFfn("ffn", 6, 8, DataType.DOUBLE, new SplittableRandom(3));
    SwiGluFfn ffnTwin = new SwiGluFfn("ffn", 6, 8, DataType.DOUBLE, new SplittableRandom(3));
    int rows = 4;
    Modality[] tags = mixed(rows);
    INDArray[] xs = {normal(1, rows, 6), normal(2, rows, 6), normal(3, rows, 6)};
    INDArray[] want = new INDArray[xs.length];
    INDArray[] wantFfn = new INDArray[xs.length];
    for (int i = 0; i < xs.length; i++) {
      want[i] = twin.forward(xs[i], tags).dup();
      wantFfn[i] = ffnTwin.forward(xs[i]).dup();
    }
    INDArray[] got = new INDArray[xs.length];
    INDArray[] gotFfn = new INDArray[xs.length];
    try (FrozenWeights ignored = FrozenWeights.open()) {
      for (int i = 0; i < xs.length; i++) {
        got[i] = scoped.forward(xs[i], tags);
        gotFfn[i] = ffn.forward(xs[i]);
      }
    }
    for (int i = 0; i < xs.length; i++) {
      // Held across the later forwards: still this forward's values.
      assertEquals(0.0, maxAbsDiff(got[i], want[i]), TOL, "MoE output " + i);
      assertEquals(0.0, maxAbsDiff(gotFfn[i], wantFfn[i]), TOL, "FFN output " + i);
    }
    // The twin's last forward was of xs[2], as the scoped layer's.
    INDArray dy = normal(9, rows, 6);
    assertEquals(0.0, maxAbsDiff(scoped.backward(dy), twin.backward(dy)), TOL, "MoE dx");
    assertEquals(0.0, maxAbsDiff(ffn.backward(dy), ffnTwin.backward(dy)), TOL, "FFN dx");
    List<Parameter> ps = scoped.parameters();
    List<Parameter> pt = twin.parameters();
    for (int i = 0; i < ps.size(); i++) {
      INDArray g1 = ps.get(i).grad();
      INDArray g2 = pt.get(i).grad();
      if (g1 != null) {
        assertEquals(0.0, maxAbsDiff(g1, g2), TOL, ps.get(i).name());
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"1", "3", "8", "9"})
  void everyRowCountGivesTheUnscopedOutputs(int rows) {
    MoeConfig c = new MoeConfig(6, 8, 4,
        new RoutingConfig(1, false, 0.3, 0.001, org.evomoe.router.RouterKind.LINEAR));
    MoeLayer layer = RoutersInMoeLayerTest.moe(Kind.DTR_SILU, c, 80);
    Modality[] tags = mixed(rows);
    INDArray x1 = normal(11, rows, 6);
    INDArray x2 = normal(12, rows, 6);
    INDArray want1 = layer.forward(x1, tags).dup();
    INDArray want2 = layer.forward(x2, tags).dup();
    try (FrozenWeights ignored = FrozenWeights.open()) {
      for (int i = 0; i < 3; i++) {
        assertEquals(0.0, maxAbsDiff(layer.forward(x1, tags), want1), TOL, rows + " rows");
        assertEquals(0.0, maxAbsDiff(layer.forward(x2, tags), want2), TOL, rows + " rows");
      }
    }
    assertEquals(0.0, maxAbsDiff(layer.forward(x1, tags), want1), 0.0, "unscoped again");
  }
}
