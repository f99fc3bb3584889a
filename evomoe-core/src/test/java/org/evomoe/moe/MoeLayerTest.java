package org.evomoe.moe;

import static org.evomoe.TestArrays.maxAbsDiff;
import static org.evomoe.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.grad.GradientCheck;
import org.evomoe.grad.GradientCheck.Target;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.LinearRouter;
import org.evomoe.router.Modality;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.evomoe.router.RouterKind;

class MoeLayerTest {

  /** The logits read without a cast equal ND4J's cast to DOUBLE, for every layout and type. */
  @Test
  void logitsAsDoublesEqualsTheCast() {
    INDArray d = normal(41, 7, 5);
    INDArray f = d.castTo(DataType.FLOAT);
    INDArray h = d.castTo(DataType.HALF);
    List<INDArray> cases = List.of(d, f, h, f.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 6),
        org.nd4j.linalg.indexing.NDArrayIndex.all()), f.transpose(), d.transpose().dup('f'));
    for (INDArray a : cases) {
      double[] want = a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
      assertEquals(a.length(), want.length);
      assertArrayEquals(want, MoeLayer.logitsAsDoubles(a), 0.0,
          a.dataType() + " " + Arrays.toString(a.shape()) + " " + a.ordering());
    }
  }

  static MoeLayer randomMoe(MoeConfig c, DataType type, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    LinearRouter router = new LinearRouter("mlp.gate", c.dModel(), c.numExperts(), type, rng);
    router.weight().value().muli(3); // sharper routing: distinct top-k choices
    List<SwiGluFfn> experts = new ArrayList<>();
    for (int e = 0; e < c.numExperts(); e++) {
      experts.add(new SwiGluFfn("mlp.experts." + e, c.dModel(), c.dHidden(), type, rng));
    }
    return new MoeLayer(c, router, experts);
  }

  /** Per-token loop oracle: softmax, top-k by sorting, each chosen expert on the single row. */
  static INDArray oracle(MoeLayer moe, INDArray x) {
    MoeConfig c = moe.config();
    int t = (int) x.size(0);
    INDArray y = Nd4j.zeros(DataType.DOUBLE, t, c.dModel());
    for (int i = 0; i < t; i++) {
      INDArray xi = x.getRow(i, true).dup();
      double[] logits =
          moe.router().forward(xi, Modality.all(1, Modality.TEXT)).castTo(DataType.DOUBLE).toDoubleVector();
      double max = Arrays.stream(logits).max().orElseThrow();
      double[] p = Arrays.stream(logits).map(v -> Math.exp(v - max)).toArray();
      double sum = Arrays.stream(p).sum();
      Integer[] order = new Integer[p.length];
      for (int e = 0; e < p.length; e++) {
        p[e] /= sum;
        order[e] = e;
      }
      Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
      double chosen = 0;
      for (int j = 0; j < c.topK(); j++) {
        chosen += p[order[j]];
      }
      for (int j = 0; j < c.topK(); j++) {
        int e = order[j];
        double g = c.renormalize() && c.topK() > 1 ? p[e] / chosen : p[e];
        INDArray out = moe.experts().get(e).forward(xi).castTo(DataType.DOUBLE);
        y.getRow(i, true).addi(out.muli(g));
      }
    }
    return y;
  }

  @ParameterizedTest
  @CsvSource({"4,1,false", "4,2,false", "4,2,true", "8,3,true", "5,5,false"})
  void matchesPerTokenOracleInFloat(int experts, int k, boolean renorm) {
    MoeConfig c = new MoeConfig(16, 24, experts, new RoutingConfig(k, renorm, 0.01, 0.0, RouterKind.LINEAR));
    MoeLayer moe = randomMoe(c, DataType.FLOAT, 11 + experts * 7L + k);
    INDArray x = normal(5, DataType.FLOAT, 37, 16);
    INDArray y = moe.forward(x, Modality.all(37, Modality.TEXT));
    INDArray ref = oracle(moe, x);
    assertTrue(maxAbsDiff(y, ref) < 1e-5, "max diff " + maxAbsDiff(y, ref));
  }

  /** y, dx, the losses and every gradient of one forward and backward, as doubles. */
  private static java.util.Map<String, double[]> forwardBackward(
      MoeLayer moe, INDArray x, INDArray dy, Modality[] tags) {
    java.util.Map<String, double[]> out = new java.util.LinkedHashMap<>();
    moe.zeroGrad();
    out.put("y", moe.forward(x, tags).castTo(DataType.DOUBLE).dup('c').data().asDouble());
    out.put("loss", new double[] {moe.auxLoss(), moe.zLoss()});
    out.put("dx", moe.backward(dy).castTo(DataType.DOUBLE).dup('c').data().asDouble());
    for (Parameter p : moe.parameters()) {
      out.put(p.name(), p.grad().castTo(DataType.DOUBLE).dup('c').data().asDouble());
    }
    return out;
  }

  /**
   * Two layers trained at once in two threads of one JVM (as {@code study --jobs 2} trains two
   * cells), ND4J, BLAS and the Java kernels on 2 threads: every output, loss and gradient has the
   * bits of the same work run alone. OpenBLAS's float products give other bits on one thread
   * than on two, so this fails whenever a layer changes the process-wide thread counts while the
   * other one runs products (as the former experts-side-by-side path did).
   */
  @Test
  void twoLayersTrainingAtOnceInTwoThreadsGiveTheBitsOfRunsAlone() throws Exception {
    MoeConfig c = new MoeConfig(32, 48, 4, new RoutingConfig(1, false, 0.01, 0.001, RouterKind.LINEAR));
    int t = 700;
    INDArray x = normal(31, DataType.FLOAT, t, 32);
    INDArray dy = normal(32, DataType.FLOAT, t, 32);
    Modality[] tags = Modality.all(t, Modality.TEXT);
    MoeLayer moe = randomMoe(c, DataType.FLOAT, 44);
    moe.router().parameters().get(0).value().divi(3); // even loads
    SwiGluFfn dense = new SwiGluFfn("dense", 32, 96, DataType.FLOAT, new SplittableRandom(45));
    try (org.evomoe.tensor.Threads.Scope ignored = org.evomoe.tensor.Threads.use(2)) {
      org.evomoe.tensor.Threads.State before = org.evomoe.tensor.Threads.state();
      java.util.Map<String, double[]> moeAlone = forwardBackward(moe, x, dy, tags);
      java.util.Map<String, double[]> denseAlone = forwardBackward(dense, x, dy);
      int rounds = 8;
      java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
      try {
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.Future<?> a = two.submit(() -> {
          start.await();
          for (int r = 0; r < rounds; r++) {
            assertSameBits(moeAlone, forwardBackward(moe, x, dy, tags), "MoE layer, round " + r);
          }
          return null;
        });
        java.util.concurrent.Future<?> b = two.submit(() -> {
          start.await();
          for (int r = 0; r < rounds; r++) {
            assertSameBits(denseAlone, forwardBackward(dense, x, dy), "dense FFN, round " + r);
          }
          return null;
        });
        start.countDown();
        a.get();
        b.get();
      } finally {
        two.shutdownNow();
      }
      assertEquals(before, org.evomoe.tensor.Threads.state(), "thread counts unchanged");
    }
  }

  /** y, dx and every gradient of one forward and backward of a dense FFN, as doubles. */
  private static java.util.Map<String, double[]> forwardBackward(SwiGluFfn ffn, INDArray x, INDArray dy) {
    java.util.Map<String, double[]> out = new java.util.LinkedHashMap<>();
    ffn.zeroGrad();
    out.put("y", ffn.forward(x).castTo(DataType.DOUBLE).dup('c').data().asDouble());
    out.put("dx", ffn.backward(dy).castTo(DataType.DOUBLE).dup('c').data().asDouble());
    for (Parameter p : ffn.parameters()) {
      out.put(p.name(), p.grad().castTo(DataType.DOUBLE).dup('c').data().asDouble());
    }
    return out;
  }

  private static void assertSameBits(
      java.util.Map<String, double[]> want, java.util.Map<String, double[]> got, String what) {
    assertEquals(want.keySet(), got.keySet(), what);
    for (String key : want.keySet()) {
      double[] a = want.get(key);
      double[] b = got.get(key);
      for (int i = 0; i < a.length; i++) {
        if (Double.doubleToLongBits(a[i]) != Double.doubleToLongBits(b[i])) {
          throw new AssertionError(what + ", " + key + "[" + i + "]: alone " + a[i] + ", at once " + b[i]);
        }
      }
    }
  }

  @Test
  void aForcedExpertGetsEveryTokenAndTheThreadCountsStay() {
    MoeConfig c = new MoeConfig(16, 24, 4, new RoutingConfig(1, false, 0.01, 0.0, RouterKind.LINEAR));
    MoeLayer moe = randomMoe(c, DataType.FLOAT, 3);
    INDArray x = normal(4, DataType.FLOAT, 300, 16);
    try (org.evomoe.tensor.Threads.Scope ignored = org.evomoe.tensor.Threads.use(2)) {
      moe.forceExpert(2);
      INDArray y = moe.forward(x, Modality.all(300, Modality.TEXT));
      assertTrue(maxAbsDiff(y, moe.experts().get(2).forward(x)) < 1e-6);
      assertEquals(new org.evomoe.tensor.Threads.State(2, 2, 2), org.evomoe.tensor.Threads.state());
    }
  }

  @ParameterizedTest
  @CsvSource({"4,1,false,0.0", "4,2,false,0.0", "4,2,true,0.0", "4,1,false,0.001", "6,2,true,0.01"})
  void gradientCheck(int experts, int k, boolean renorm, double zLoss) {
    MoeConfig c = new MoeConfig(6, 8, experts, new RoutingConfig(k, renorm, 0.3, zLoss, RouterKind.LINEAR));
    MoeLayer moe = randomMoe(c, DataType.DOUBLE, 100 + experts + k);
    INDArray x = normal(21, 9, 6);
    Modality[] tags = Modality.all(9, Modality.TEXT);
    INDArray y = moe.forward(x, tags);
    INDArray r = normal(22, y.shape());
    INDArray dx = moe.backward(r);
    List<Target> targets = new ArrayList<>();
    targets.add(new Target("input", x, dx));
    for (Parameter p : moe.parameters()) {
      if (p.hasGrad()) {
        targets.add(Target.of(p));
      }
    }
    GradientCheck.check(
            () -> GradientCheck.dot(moe.forward(x, tags), r) + moe.weightedLoss(),
            targets,
            GradientCheck.Options.defaults())
        .assertPassed();
  }

  @Test
  void auxLossGradientAloneReachesTheRouter() {
    // With a zero output gradient only alpha * L_aux drives the router.
    MoeConfig c = new MoeConfig(5, 7, 4, new RoutingConfig(2, false, 1.0, 0.0, RouterKind.LINEAR));
    MoeLayer moe = randomMoe(c, DataType.DOUBLE, 5);
    INDArray x = normal(3, 12, 5);
    Modality[] tags = Modality.all(12, Modality.IMAGE);
    moe.forward(x, tags);
    moe.backward(Nd4j.zeros(DataType.DOUBLE, 12, 5));
    LinearRouter router = (LinearRouter) moe.router();
    assertTrue(router.weight().grad().amaxNumber().doubleValue() > 0);
    GradientCheck.check(
            () -> {
              moe.forward(x, tags);
              return moe.weightedLoss();
            },
            List.of(Target.of(router.weight())),
            GradientCheck.Options.defaults())
        .assertPassed();
  }

  @Test
  void oneExpertEqualsTheDenseFfn() {
    SplittableRandom rng = new SplittableRandom(9);
    SwiGluFfn dense = new SwiGluFfn("mlp", 8, 12, DataType.DOUBLE, rng);
    MoeConfig c = MoeConfig.of(8, 12, 1, 1, 0.01);
    MoeLayer moe = Upcycling.fromDense(dense, c,
        new LinearRouter("mlp.gate", 8, 1, DataType.DOUBLE, rng), "mlp");
    INDArray x = normal(4, 10, 8);
    INDArray r = normal(5, 10, 8);
    INDArray y = moe.forward(x, Modality.all(10, Modality.TEXT));
    INDArray yd = dense.forward(x);
    assertTrue(maxAbsDiff(y, yd) < 1e-12);
    INDArray dx = moe.backward(r);
    INDArray dxd = dense.backward(r);
    assertTrue(maxAbsDiff(dx, dxd) < 1e-12);
    assertTrue(maxAbsDiff(moe.experts().get(0).gate().grad(), dense.gate().grad()) < 1e-12);
    assertEquals(0.0, ((LinearRouter) moe.router()).weight().grad().amaxNumber().doubleValue(),
        "a single expert has p = 1: the router gets no gradient");
  }

  @Test
  void upcycledCopiesWithRenormalisedTopTwoEqualTheDenseFfn() {
    SplittableRandom rng = new SplittableRandom(2);
    SwiGluFfn dense = new SwiGluFfn("mlp", 8, 12, DataType.DOUBLE, rng);
    MoeLayer moe = Upcycling.fromDense(dense, new MoeConfig(8, 12, 4, new RoutingConfig(2, true, 0.01, 0, RouterKind.LINEAR)),
        new LinearRouter("mlp.gate", 8, 4, DataType.DOUBLE, rng), "model.layers.0.mlp");
    INDArray x = normal(4, 10, 8);
    assertTrue(maxAbsDiff(moe.forward(x, Modality.all(10, Modality.TEXT)), dense.forward(x)) < 1e-12);
    assertEquals("model.layers.0.mlp.experts.3.down_proj.weight",
        moe.experts().get(3).down().name());
    // Copies are independent.
    moe.experts().get(1).gate().value().addi(1);
    assertEquals(0.0, maxAbsDiff(moe.experts().get(0).gate().value(), dense.gate().value()));
    assertNotEquals(0.0, maxAbsDiff(moe.experts().get(1).gate().value(), dense.gate().value()));
  }

  @Test
  void copyExpertIntoOthersMakesEveryExpertEqualToTheSource() {
    MoeLayer moe = randomMoe(MoeConfig.of(6, 8, 4, 2, 0.01), DataType.DOUBLE, 12);
    INDArray src = moe.experts().get(2).down().value().dup();
    Upcycling.copyExpertIntoOthers(moe, 2);
    for (SwiGluFfn f : moe.experts()) {
      assertEquals(0.0, maxAbsDiff(f.down().value(), src));
      assertEquals(0.0, maxAbsDiff(f.gate().value(), moe.experts().get(2).gate().value()));
    }
    assertThrows(IllegalArgumentException.class, () -> Upcycling.copyExpertIntoOthers(moe, 4));
  }

  @Test
  void expertsWithZeroTokensWorkInForwardAndBackward() {
    // 8 experts, 3 tokens, top-1: at least 5 experts receive nothing.
    MoeConfig c = new MoeConfig(6, 8, 8, new RoutingConfig(1, false, 0.1, 0.001, RouterKind.LINEAR));
    MoeLayer moe = randomMoe(c, DataType.DOUBLE, 3);
    INDArray x = normal(8, 3, 6);
    Modality[] tags = Modality.all(3, Modality.TEXT);
    INDArray ref = oracle(moe, x); // runs experts on single rows: before the forward under test
    INDArray y = moe.forward(x, tags);
    RoutingRecord rec = moe.lastRouting();
    long idle = Arrays.stream(rec.tokensPerExpert()).filter(n -> n == 0).count();
    assertTrue(idle >= 5);
    assertTrue(maxAbsDiff(y, ref) < 1e-12);
    INDArray r = normal(9, 3, 6);
    INDArray dx = moe.backward(r);
    for (int e = 0; e < 8; e++) {
      if (rec.tokensPerExpert()[e] == 0) {
        assertFalse(moe.experts().get(e).gate().hasGrad(), "idle expert " + e + " got a gradient");
      }
    }
    List<Target> targets = new ArrayList<>();
    targets.add(new Target("input", x, dx));
    for (Parameter p : moe.parameters()) {
      if (p.hasGrad()) {
        targets.add(Target.of(p));
      }
    }
    GradientCheck.check(
            () -> GradientCheck.dot(moe.forward(x, tags), r) + moe.weightedLoss(),
            targets, GradientCheck.Options.defaults())
        .assertPassed();
  }

  @Test
  void topOneGateIsTheRawProbability() {
    MoeLayer moe = randomMoe(new MoeConfig(6, 8, 4, new RoutingConfig(1, true, 0, 0, RouterKind.LINEAR)), DataType.DOUBLE, 4);
    moe.forward(normal(1, 20, 6), Modality.all(20, Modality.TEXT));
    RoutingRecord rec = moe.lastRouting();
    for (int t = 0; t < 20; t++) {
      int e = rec.expert(t, 0);
      assertEquals(rec.prob(t, e), rec.gates()[t], 0.0);
      assertTrue(rec.gates()[t] < 1.0, "top-1 gate must not be renormalised to 1");
    }
    assertEquals(20, Arrays.stream(rec.tokensPerExpert()).sum());
  }

  @Test
  void loadBalancingLossMatchesItsDefinition() {
    MoeConfig c = new MoeConfig(6, 8, 4, new RoutingConfig(2, false, 0.01, 0.0, RouterKind.LINEAR));
    MoeLayer moe = randomMoe(c, DataType.DOUBLE, 6);
    int t = 30;
    moe.forward(normal(2, t, 6), Modality.all(t, Modality.TEXT));
    RoutingRecord rec = moe.lastRouting();
    double expected = 0;
    for (int e = 0; e < 4; e++) {
      double f = rec.tokensPerExpert()[e] / (double) (t * 2);
      double g = 0;
      for (int i = 0; i < t; i++) {
        g += rec.prob(i, e) / t;
      }
      expected += 4 * f * g;
    }
    assertEquals(expected, moe.auxLoss(), 1e-12);
    // Uniform probabilities give exactly 1 whatever the choices (sum_i F_i = 1, G_i = 1/E), here
    // with every token on experts 0 and 1 (ties go to the lower index): a zero router.
    moe.router().parameters().forEach(p -> p.value().assign(0));
    moe.forward(normal(2, t, 6), Modality.all(t, Modality.TEXT));
    assertEquals(t, moe.lastRouting().tokensPerExpert()[0]);
    assertEquals(1.0, moe.auxLoss(), 1e-12);
  }

  @Test
  void forcedExpertSendsEveryTokenToOneExpert() {
    MoeLayer moe = randomMoe(MoeConfig.of(6, 8, 4, 2, 0.01), DataType.DOUBLE, 8);
    INDArray x = normal(3, 7, 6);
    moe.forceExpert(2);
    INDArray y = moe.forward(x, Modality.all(7, Modality.TEXT));
    assertTrue(maxAbsDiff(y, moe.experts().get(2).forward(x)) < 1e-12);
    assertArrayEquals(new int[] {0, 0, 7, 0}, moe.lastRouting().tokensPerExpert());
    assertEquals(0.0, moe.weightedLoss());
    moe.backward(normal(4, 7, 6));
    assertFalse(((LinearRouter) moe.router()).weight().hasGrad(), "router bypassed when forced");
  }

  @Test
  void evolutionStageForwardWithTheSeedForcedPassesTheGradientCheck() {
    // Stage II: every token to the seed (expert 0), router bypassed, only the seed trains.
    MoeLayer moe = randomMoe(MoeConfig.of(6, 8, 4, 1, 0.01), DataType.DOUBLE, 14);
    for (int e = 1; e < 4; e++) {
      moe.experts().get(e).setTrainable(false);
    }
    moe.router().setTrainable(false);
    moe.forceExpert(0);
    INDArray x = normal(31, 7, 6);
    Modality[] tags = Modality.all(7, Modality.IMAGE);
    INDArray r = normal(32, 7, 6);
    moe.forward(x, tags);
    INDArray dx = moe.backward(r);
    List<Target> targets = new ArrayList<>();
    targets.add(new Target("input", x, dx));
    for (Parameter p : moe.experts().get(0).parameters()) {
      targets.add(Target.of(p));
    }
    GradientCheck.check(() -> GradientCheck.dot(moe.forward(x, tags), r), targets,
        GradientCheck.Options.defaults()).assertPassed();
    for (Parameter p : moe.parameters()) {
      if (!p.name().contains("experts.0.")) {
        assertFalse(p.hasGrad(), p.name() + " must not get a gradient in Stage II");
      }
    }
  }

  @Test
  void invalidConfigurationNamesTheBadValue() {
    assertMessage("topK", () -> MoeConfig.of(8, 16, 4, 5, 0.01));
    assertMessage("topK", () -> MoeConfig.of(8, 16, 4, 0, 0.01));
    assertMessage("dModel", () -> MoeConfig.of(0, 16, 4, 1, 0.01));
    assertMessage("dHidden", () -> MoeConfig.of(8, -1, 4, 1, 0.01));
    assertMessage("numExperts", () -> MoeConfig.of(8, 16, 0, 1, 0.01));
    assertMessage("auxLossWeight", () -> MoeConfig.of(8, 16, 4, 1, -1));
    MoeLayer moe = randomMoe(MoeConfig.of(6, 8, 4, 1, 0.01), DataType.DOUBLE, 1);
    assertMessage("[5, 7]", () -> moe.forward(normal(1, 5, 7), Modality.all(5, Modality.TEXT)));
    assertMessage("modality", () -> moe.forward(normal(1, 5, 6), Modality.all(4, Modality.TEXT)));
    moe.forward(normal(1, 5, 6), Modality.all(5, Modality.TEXT));
    assertMessage("[5, 6]", () -> moe.backward(normal(1, 4, 6)));
    SplittableRandom rng = new SplittableRandom(1);
    assertMessage("experts", () -> new MoeLayer(MoeConfig.of(6, 8, 4, 1, 0.01),
        new LinearRouter("g", 6, 4, DataType.DOUBLE, rng),
        List.of(new SwiGluFfn("e", 6, 8, DataType.DOUBLE, rng))));
  }

  private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable ex) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ex);
    assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks " + fragment);
  }
}
