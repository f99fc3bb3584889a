package org.evomoe.examples.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.evomoe.examples.model.DecoderGoldenTest.Config;
import org.evomoe.examples.pipeline.DemoPipeline;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.golden.GoldenFixture;
import org.evomoe.golden.GoldenFixture.Precision;
import org.evomoe.nn.SoftmaxCrossEntropy;
import org.evomoe.tensor.Parameter;
import org.evomoe.tuning.OptimSettings;
import org.evomoe.tuning.ParameterRole;
import org.evomoe.tuning.StageConfig;
import org.evomoe.tuning.StageResult;
import org.evomoe.tuning.StageRouting;
import org.evomoe.tuning.StageTrainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The whole model at the demo's actual shape against PyTorch ({@code decoder_demo} in
 * src-test-data/golden, docs/golden-tests.md): d 64, 4 layers, 4 query heads on 2 key/value heads,
 * SwiGLU 176, DTR top-1 MoE of 4 experts (rank 8, embedding 32, hypernetwork 64) on layers 0 and
 * 2, vocabulary 68, a 1-layer vision encoder of width 48 on 56 x 56 canvases in 14 x 14 patches,
 * the projector: 782,384 parameters. The test first checks that these are exactly the names and
 * shapes of the model the demo builds ({@link DemoPipeline#newModel}), then compares, for one
 * batch of four sequences of 36 positions (two with an image, one right-padded), the logits, the
 * loss and every parameter's gradient; then four steps of the trainer ({@link StageTrainer}:
 * gradient clipping at norm 1, AdamW with decoupled weight decay 0.01, the cosine warm-up
 * schedule: rates 0, 3e-3, 2.3e-3, 9.8e-4) on two alternating batches with the vision encoder
 * frozen, as in the demo: every step's loss, rate and gradient norm, every trained parameter's
 * total update, and no change at all to the frozen ones.
 *
 * <p>The fixture is computed by PyTorch in float64 from float32 weights (made from a hash of each
 * name, {@link #hashedUniform}) and stored in float32. Tolerances, with the error of {@link
 * GoldenFixture#scaledError} (updates: relative to each tensor's largest update):
 *
 * <ul>
 *   <li>Java in double: 1e-7 for values, 1e-6 for updates. The only difference is the storage's
 *       float32 rounding, at most 2^-24 = 6e-8 of each value (measured 2.0e-8; updates 4.8e-8).
 *       This run checks the optimiser exactly: a rate, decay or moment 1% off fails it.
 *   <li>Java in float32: 5e-5 for logits, losses and gradients (float32 products over up to 196
 *       terms through 11 stacked layers and their backward; measured at most 4.6e-6, logits with
 *       2 threads), 5e-2 for the updates. Adam's first steps move each weight by about the
 *       learning rate times the sign of its gradient, so an element whose gradient is within
 *       float32 rounding of zero may move differently: the update error is bounded by the rate,
 *       not by the gradient's (measured 6.8e-3 of the largest update). The losses and gradient
 *       norms of the steps after the first update are computed on those weights: 1e-3 (measured
 *       6.7e-5).
 * </ul>
 */
class DecoderDemoGoldenTest {
  record Batch(List<Integer> tokens, List<Integer> targets) {}

  record Training(String frozen, int steps, double learningRate, double warmupRatio, double minLrRatio,
      double weightDecay, double maxGradNorm, List<String> batchOfStep, List<Double> learningRates,
      List<Double> losses, List<Double> gradNorms) {}

  record Settings(Config config, Map<String, List<Double>> weights, int seqLen, List<Integer> lengths,
      List<Boolean> withImage, Map<String, Batch> batches, Training training) {}

  private static final String NAME = "decoder_demo";

  @AfterEach
  void threads() {
    GoldenFixture.restoreThreads();
  }

  static Stream<Arguments> runs() {
    return Stream.of(Arguments.of(DataType.DOUBLE, 1), Arguments.of(DataType.FLOAT, 1),
        Arguments.of(DataType.FLOAT, 2));
  }

  /** The trainer runs: each precision at one thread (the forward and backward also run at 2). */
  static Stream<Arguments> trainerRuns() {
    return Stream.of(Arguments.of(DataType.DOUBLE, 1), Arguments.of(DataType.FLOAT, 1));
  }

  private static double tol(DataType t) {
    return t == DataType.DOUBLE ? 1e-7 : 5e-5;
  }

  private static double updateTol(DataType t) {
    return t == DataType.DOUBLE ? 1e-6 : 5e-2;
  }

  /**
   * u_i in [-1, 1) for tensor {@code name}: the top 24 bits of SplitMix64 at state FNV-1a-64(name)
   * + (i + 1) * 0x9E3779B97F4A7C15 (generate.py's hashed_uniform); weight = float32(u * scale +
   * shift).
   */
  static double[] hashedUniform(String name, int n) {
    long h = 0xCBF29CE484222325L;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001B3L;
    }
    double[] u = new double[n];
    for (int i = 0; i < n; i++) {
      long z = h + (i + 1L) * 0x9E3779B97F4A7C15L;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      z ^= z >>> 31;
      u[i] = (z >>> 40) / 8388608.0 - 1.0;
    }
    return u;
  }

  /** The fixture's model in {@code type} with its hashed weights. */
  static VisionLanguageModel build(Settings s, DataType type) {
    VisionLanguageModel vlm = DecoderGoldenTest.model(s.config(), type);
    assertEquals(s.weights().keySet(), names(vlm), "the fixture's weights are exactly the model's");
    for (Parameter p : vlm.parameters()) {
      List<Double> rule = s.weights().get(p.name());
      double[] u = hashedUniform(p.name(), Math.toIntExact(p.length()));
      double[] w = new double[u.length];
      for (int i = 0; i < u.length; i++) {
        w[i] = (float) (u[i] * rule.get(0) + rule.get(1));
      }
      p.value().assign(Nd4j.create(w, p.value().shape(), 'c').castTo(type));
    }
    return vlm;
  }

  private static java.util.Set<String> names(VisionLanguageModel vlm) {
    java.util.Set<String> n = new java.util.TreeSet<>();
    vlm.parameters().forEach(p -> n.add(p.name()));
    return n;
  }

  /** The fixture is the demo's model: every parameter's name and shape, and its model configs. */
  @Test
  void theFixtureHasTheDemoModelsShape() throws Exception {
    Settings s = GoldenFixture.settings(NAME, Settings.class);
    DemoPipeline demo = new DemoPipeline(DemoSettings.defaults(false));
    VisionLanguageModel real = demo.newModel(demo.baseMoe());
    VisionLanguageModel fixture = DecoderGoldenTest.model(s.config(), DataType.FLOAT);
    Map<String, List<Long>> a = new LinkedHashMap<>();
    Map<String, List<Long>> b = new LinkedHashMap<>();
    real.parameters().forEach(p -> a.put(p.name(), boxed(p.value().shape())));
    fixture.parameters().forEach(p -> b.put(p.name(), boxed(p.value().shape())));
    assertEquals(a, b, "decoder_demo no longer has the demo's shape: regenerate it (generate.py)");
    assertEquals(real.decoder().config(), fixture.decoder().config());
    assertEquals(real.vision().config(), fixture.vision().config());
    long total = fixture.parameters().stream().mapToLong(Parameter::length).sum();
    assertEquals(782_384, total);
  }

  private static List<Long> boxed(long[] shape) {
    List<Long> l = new ArrayList<>();
    for (long x : shape) {
      l.add(x);
    }
    return l;
  }

  private static DecoderInput input(VisionLanguageModel vlm, GoldenFixture g, Settings s, String batch,
      DataType type) {
    boolean[] withImage = new boolean[s.withImage().size()];
    for (int b = 0; b < withImage.length; b++) {
      withImage[b] = s.withImage().get(b);
    }
    return vlm.input(g.array("pixels." + batch).castTo(type), withImage, withImage.length, s.seqLen(),
        ints(s.batches().get(batch).tokens()), ints(s.lengths()));
  }

  private static int[] ints(List<Integer> l) {
    return l.stream().mapToInt(Integer::intValue).toArray();
  }

  @ParameterizedTest(name = "{0}, {1} threads")
  @MethodSource("runs")
  void logitsLossAndEveryGradientMatchPyTorch(DataType type, int threads) {
    GoldenFixture.useThreads(threads);
    GoldenFixture g = GoldenFixture.load(NAME, Precision.F32);
    Settings s = GoldenFixture.settings(NAME, Settings.class);
    VisionLanguageModel vlm = build(s, type);
    INDArray logits = vlm.forward(input(vlm, g, s, "A", type));
    INDArray real = logits.dup();
    for (int b = 0; b < s.lengths().size(); b++) {
      for (int pos = s.lengths().get(b); pos < s.seqLen(); pos++) {
        real.getRow((long) b * s.seqLen() + pos).assign(0);
      }
    }
    g.assertClose("logits.A", real, tol(type));
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    double loss = ce.forward(logits, ints(s.batches().get("A").targets())) + vlm.auxLoss();
    g.assertClose("aux_loss.A", new double[] {vlm.auxLoss()}, tol(type));
    g.assertClose("loss.A", new double[] {loss}, tol(type));
    vlm.backward(ce.backward());
    for (Parameter p : vlm.parameters()) {
      g.assertGrad("grad." + p.name(), p, tol(type));
    }
  }

  @ParameterizedTest(name = "{0}, {1} threads")
  @MethodSource("trainerRuns")
  void trainerStepsWithClippingAdamWAndTheWarmupScheduleMatchPyTorch(DataType type, int threads) {
    GoldenFixture.useThreads(threads);
    GoldenFixture g = GoldenFixture.load(NAME, Precision.F32);
    Settings s = GoldenFixture.settings(NAME, Settings.class);
    Training t = s.training();
    VisionLanguageModel vlm = build(s, type);
    Map<String, double[]> before = new LinkedHashMap<>();
    for (Parameter p : vlm.parameters()) {
      before.put(p.name(), p.value().castTo(DataType.DOUBLE).dup('c').data().asDouble());
    }
    // As in the demo, the vision encoder is frozen; everything else trains.
    EnumSet<ParameterRole> trains = EnumSet.complementOf(EnumSet.of(ParameterRole.VISION));
    StageConfig stage = new StageConfig("golden", trains, StageRouting.ROUTED,
        null, new OptimSettings(t.steps(), 1, t.learningRate(), t.warmupRatio(), t.minLrRatio(),
            t.weightDecay(), t.maxGradNorm()));
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    StageResult r;
    try (StageTrainer trainer = new StageTrainer(vlm, stage, (step, micro) -> {
      String batch = t.batchOfStep().get(step);
      INDArray logits = vlm.forward(input(vlm, g, s, batch, type));
      double loss = ce.forward(logits, ints(s.batches().get(batch).targets())) + vlm.auxLoss();
      vlm.backward(ce.backward());
      return loss;
    })) {
      while (!trainer.done()) {
        trainer.step();
      }
      r = trainer.result();
    }
    boolean verbose = Boolean.getBoolean("golden.verbose");
    for (int step = 0; step < t.steps(); step++) {
      assertEquals(t.learningRates().get(step), r.learningRates()[step], 1e-15, "rate of step " + step);
      double lossErr = Math.abs(r.losses()[step] - t.losses().get(step));
      double normErr = Math.abs(r.gradNorms()[step] / t.gradNorms().get(step) - 1);
      if (verbose) {
        System.out.printf(Locale.ROOT, "golden decoder_demo %s threads=%d step %d loss %.3e norm %.3e%n", type,
            threads, step, lossErr, normErr);
      }
      double tol = stepTol(type, step, t);
      assertTrue(lossErr <= tol, "loss of step " + step + ": error " + lossErr + " > " + tol);
      assertTrue(normErr <= tol, "gradient norm of step " + step + ": relative error " + normErr + " > " + tol);
    }
    double worst = 0;
    String failure = null;
    for (Parameter p : vlm.parameters()) {
      double[] now = p.value().castTo(DataType.DOUBLE).dup('c').data().asDouble();
      double[] was = before.get(p.name());
      double[] delta = new double[now.length];
      for (int i = 0; i < now.length; i++) {
        delta[i] = now[i] - was[i];
      }
      if (p.name().startsWith(t.frozen())) {
        for (double d : delta) {
          assertEquals(0.0, d, 0.0, p.name() + " is frozen: no step, no decay");
        }
        continue;
      }
      double[] expected = g.values("delta." + p.name());
      double largest = 0;
      double err = 0;
      for (int i = 0; i < expected.length; i++) {
        largest = Math.max(largest, Math.abs(expected[i]));
        err = Math.max(err, Math.abs(delta[i] - expected[i]));
      }
      assertTrue(largest > 0, p.name() + " trained");
      double rel = err / largest;
      worst = Math.max(worst, rel);
      if (rel > updateTol(type) && failure == null) {
        failure = String.format(Locale.ROOT, "%s: update error %.3e of the largest update %.3e > %.0e", p.name(),
            rel, largest, updateTol(type));
      }
    }
    if (verbose) {
      System.out.printf(Locale.ROOT, "golden decoder_demo %s threads=%d updates %.3e%n", type, threads, worst);
    }
    assertTrue(failure == null, failure);
  }

  /**
   * Tolerance of the loss and the relative gradient norm of a trainer step: {@link #tol} while the
   * weights are the fixture's (up to the first step with a non-zero rate); after it, float32 weights
   * carry their update's error (see the class comment), so float32 allows 1e-3.
   */
  private static double stepTol(DataType type, int step, Training t) {
    boolean moved = false;
    for (int i = 0; i < step; i++) {
      moved |= t.learningRates().get(i) > 0;
    }
    return type == DataType.FLOAT && moved ? 1e-3 : tol(type);
  }
}
