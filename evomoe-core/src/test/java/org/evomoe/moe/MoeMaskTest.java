package org.evomoe.moe;

import static org.evomoe.TestArrays.maxAbsDiff;
import static org.evomoe.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.grad.GradientCheck;
import org.evomoe.grad.GradientCheck.Target;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.DynamicTokenRouter;
import org.evomoe.router.LinearRouter;
import org.evomoe.router.Modality;
import org.evomoe.router.Router;
import org.evomoe.router.RouterKind;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Padded rows are invisible to the MoE layer: routing, losses, records, gradients, FLOPs. */
class MoeMaskTest {
  private static final int D = 6;
  // 19 rows, 13 real: padding inside and at the end.
  private static final boolean[] REAL = {
    true, true, false, true, true, true, false, false, true, true,
    true, false, true, true, true, false, true, false, false};
  private static final int R = TokenMask.of(REAL).realCount();

  static MoeLayer layer(RouterKind kind, int k, boolean renorm, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    Router router = switch (kind) {
      case LINEAR -> {
        LinearRouter l = new LinearRouter("g", D, 4, DataType.DOUBLE, rng);
        l.weight().value().muli(3);
        yield l;
      }
      case DTR -> new DynamicTokenRouter("g", D, 4, DtrConfig.defaults(), DataType.DOUBLE, rng);
      default -> throw new IllegalArgumentException(kind.name());
    };
    List<SwiGluFfn> experts = new ArrayList<>();
    for (int e = 0; e < 4; e++) {
      experts.add(new SwiGluFfn("e" + e, D, 8, DataType.DOUBLE, rng));
    }
    return new MoeLayer(new MoeConfig(D, 8, 4, new RoutingConfig(k, renorm, 0.3, 0.01, kind)),
        router, experts);
  }

  static Modality[] realTags() {
    Modality[] m = new Modality[R];
    for (int i = 0; i < R; i++) {
      m[i] = i % 3 == 0 ? Modality.IMAGE : Modality.TEXT;
    }
    return m;
  }

  /** The real rows spread over REAL's positions; padded rows hold large random values. */
  static INDArray pad(INDArray real, long seed) {
    INDArray p = normal(seed, REAL.length, real.size(1)).muli(5);
    int r = 0;
    for (int i = 0; i < REAL.length; i++) {
      if (REAL[i]) {
        p.putRow(i, real.getRow(r++));
      }
    }
    return p;
  }

  static Modality[] padTags(Modality[] real) {
    Modality[] m = new Modality[REAL.length];
    int r = 0;
    for (int i = 0; i < REAL.length; i++) {
      m[i] = REAL[i] ? real[r++] : Modality.TEXT;
    }
    return m;
  }

  static INDArray realRowsOf(INDArray padded) {
    INDArray out = Nd4j.zeros(padded.dataType(), R, padded.size(1));
    int r = 0;
    for (int i = 0; i < REAL.length; i++) {
      if (REAL[i]) {
        out.putRow(r++, padded.getRow(i));
      }
    }
    return out;
  }

  static double maxAbsPadded(INDArray padded) {
    double m = 0;
    for (int i = 0; i < REAL.length; i++) {
      if (!REAL[i]) {
        m = Math.max(m, padded.getRow(i).amaxNumber().doubleValue());
      }
    }
    return m;
  }

  static List<INDArray> gradsAndZero(MoeLayer moe) {
    List<INDArray> g = new ArrayList<>();
    for (Parameter p : moe.parameters()) {
      g.add(p.hasGrad() ? p.grad().dup() : Nd4j.zeros(p.value().dataType(), p.value().shape()));
      p.zeroGrad();
    }
    return g;
  }

  @ParameterizedTest
  @CsvSource({"LINEAR,1,false,false", "LINEAR,2,true,false", "LINEAR,2,false,false", "DTR,1,false,false",
      "DTR,2,true,false", "LINEAR,2,true,true"})
  void paddingChangesNoOutputLossRecordOrGradientOfRealTokens(
      RouterKind kind, int k, boolean renorm, boolean forced) {
    MoeLayer moe = layer(kind, k, renorm, 7 + k);
    if (forced) {
      moe.forceExpert(0);
    }
    INDArray x = normal(1, R, D);
    INDArray dy = normal(2, R, D);
    Modality[] tags = realTags();
    INDArray y1 = moe.forward(x, tags);
    double aux1 = moe.auxLoss();
    double z1 = moe.zLoss();
    RoutingRecord rec1 = moe.lastRouting();
    INDArray dx1 = moe.backward(dy);
    List<INDArray> g1 = gradsAndZero(moe);

    TokenMask mask = TokenMask.of(REAL);
    List<RoutingRecord> heard = new ArrayList<>();
    moe.setRoutingListener(heard::add);
    INDArray y2 = moe.forward(pad(x, 3), padTags(tags), mask);
    INDArray dx2 = moe.backward(pad(dy, 4)); // padded rows carry a gradient: it must go nowhere
    List<INDArray> g2 = gradsAndZero(moe);

    assertEquals(0.0, maxAbsDiff(realRowsOf(y2), y1), 1e-12);
    assertEquals(0.0, maxAbsPadded(y2), "padded rows of the output must be 0");
    assertEquals(aux1, moe.auxLoss(), 1e-12);
    assertEquals(z1, moe.zLoss(), 1e-12);
    assertEquals(0.0, maxAbsDiff(realRowsOf(dx2), dx1), 1e-12);
    assertEquals(0.0, maxAbsPadded(dx2), "padded rows must get no gradient");
    for (int i = 0; i < g1.size(); i++) {
      assertEquals(0.0, maxAbsDiff(g1.get(i), g2.get(i)), 1e-10, moe.parameters().get(i).name());
    }
    RoutingRecord rec2 = moe.lastRouting();
    assertEquals(rec2.numTokens(), heard.get(0).numTokens());
    assertEquals(R, rec2.numTokens());
    assertArrayEquals(rec1.experts(), rec2.experts());
    assertArrayEquals(rec1.gates(), rec2.gates(), 1e-12);
    assertArrayEquals(rec1.probs(), rec2.probs(), 1e-12);
    assertArrayEquals(rec1.logits(), rec2.logits(), 1e-12);
    assertArrayEquals(rec1.tokensPerExpert(), rec2.tokensPerExpert());
    assertArrayEquals(rec1.modalities(), rec2.modalities());
    assertArrayEquals(mask.realRows(), rec2.rows());
    int sum = 0;
    for (int c : rec2.tokensPerExpert()) {
      sum += c;
    }
    assertEquals(R * rec2.topK(), sum, "only real tokens are dispatched");
  }

  @Test
  void maskedOutputMatchesAPerTokenOracleOnTheRealRows() {
    for (int k = 1; k <= 2; k++) {
      MoeLayer moe = layer(RouterKind.LINEAR, k, k == 2, 20 + k);
      INDArray x = normal(5, R, D);
      INDArray y = moe.forward(pad(x, 6), padTags(realTags()), TokenMask.of(REAL));
      INDArray ref = MoeLayerTest.oracle(moe, x);
      assertTrue(maxAbsDiff(realRowsOf(y), ref) < 1e-12, "k=" + k);
      assertEquals(0.0, maxAbsPadded(y));
    }
  }

  @ParameterizedTest
  @CsvSource({"LINEAR,1,false", "LINEAR,2,true", "DTR,2,true"})
  void gradientCheckWithAMask(RouterKind kind, int k, boolean renorm) {
    MoeLayer moe = layer(kind, k, renorm, 30 + k);
    INDArray x = pad(normal(8, R, D), 9);
    Modality[] tags = padTags(realTags());
    TokenMask mask = TokenMask.of(REAL);
    INDArray y = moe.forward(x, tags, mask);
    INDArray r = normal(10, y.shape());
    INDArray dx = moe.backward(r);
    List<Target> targets = new ArrayList<>();
    targets.add(new Target("input", x, dx));
    for (Parameter p : moe.parameters()) {
      if (p.hasGrad()) {
        targets.add(Target.of(p));
      }
    }
    GradientCheck.check(
            () -> GradientCheck.dot(moe.forward(x, tags, mask), r) + moe.weightedLoss(),
            targets,
            GradientCheck.Options.defaults())
        .assertPassed();
  }

  @Test
  void aBatchOfOnlyPaddingRoutesNothing() {
    MoeLayer moe = layer(RouterKind.LINEAR, 2, true, 3);
    INDArray x = normal(11, 5, D);
    INDArray y = moe.forward(x, Modality.all(5, Modality.TEXT), TokenMask.of(new boolean[5]));
    assertEquals(0.0, y.amaxNumber().doubleValue());
    assertEquals(0.0, moe.auxLoss());
    assertEquals(0.0, moe.zLoss());
    assertEquals(0, moe.lastRouting().numTokens());
    INDArray dx = moe.backward(normal(12, 5, D));
    assertEquals(0.0, dx.amaxNumber().doubleValue());
  }

  @Test
  void masksAreValidated() {
    MoeLayer moe = layer(RouterKind.LINEAR, 1, false, 4);
    INDArray x = normal(11, 5, D);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> moe.forward(x, Modality.all(5, Modality.TEXT), TokenMask.allReal(4)));
    assertTrue(e.getMessage().contains("4 rows but the input has 5"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> TokenMask.fromLengths(2, 3, new int[] {1, 4}));
    TokenMask m = TokenMask.fromLengths(2, 3, new int[] {1, 3});
    assertArrayEquals(new int[] {0, 3, 4, 5}, m.realRows());
    assertEquals(4, m.realCount());
    assertTrue(m.isReal(4) && !m.isReal(1));
  }
}
