package org.evomoe.examples.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.evomoe.golden.GoldenFixture;
import org.evomoe.golden.GoldenFixture.Precision;
import org.evomoe.nn.SoftmaxCrossEntropy;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.Threads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The whole model's training step with 1 and with 2 threads: the golden decoder's weights (DTR MoE,
 * GQA, vision encoder) on a batch of 4 sequences of 24 positions, two with images, so that the
 * attention and RoPE passes (32 rows a task), the score pass (16 (sequence, head) pairs a task) and
 * the GELU MLP really split. Logits, loss and every gradient must agree to 1e-12 in float64 and
 * 1e-6 in float32 (scaled error: ND4J's native multi-threaded products may group sums differently,
 * the Java kernels split by rows).
 */
class DecoderThreadsTest {
  @AfterEach
  void restore() {
    GoldenFixture.restoreThreads();
  }

  static Map<String, double[]> step(Precision p, int threads) {
    Threads.set(threads);
    GoldenFixture g = GoldenFixture.load("decoder", p);
    DecoderGoldenTest.Settings s = GoldenFixture.settings("decoder", DecoderGoldenTest.Settings.class);
    VisionLanguageModel vlm = DecoderGoldenTest.build(g, s.config(), p);
    int batch = 4;
    int seq = 24;
    SplittableRandom rng = new SplittableRandom(9);
    int[] tokens = new int[batch * seq];
    int[] targets = new int[batch * seq];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = 3 + rng.nextInt(s.config().vocab_size() - 3);
    }
    for (int i = 0; i < tokens.length; i++) {
      targets[i] = (i + 1) % seq == 0 ? SoftmaxCrossEntropy.IGNORE : tokens[i + 1];
    }
    int area = (int) g.shape("pixels")[1];
    double[] px = new double[2 * area];
    for (int i = 0; i < px.length; i++) {
      px[i] = rng.nextDouble();
    }
    INDArray pixels = Nd4j.create(px, new long[] {2, area}, 'c').castTo(p.type());
    DecoderInput in = vlm.input(pixels, new boolean[] {true, false, true, false}, batch, seq, tokens);
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    INDArray logits = vlm.forward(in);
    Map<String, double[]> out = new LinkedHashMap<>();
    out.put("logits", logits.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c').data().asDouble());
    out.put("loss", new double[] {ce.forward(logits, targets) + vlm.auxLoss()});
    vlm.backward(ce.backward());
    for (Parameter par : vlm.parameters()) {
      out.put(par.name(), par.grad().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c').data().asDouble());
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Precision.class)
  void trainingStepAgreesWithOneAndTwoThreads(Precision p) {
    Map<String, double[]> one = step(p, 1);
    Map<String, double[]> two = step(p, 2);
    assertEquals(one.keySet(), two.keySet());
    double tol = p == Precision.F64 ? 1e-12 : 1e-6;
    for (String k : one.keySet()) {
      double err = GoldenFixture.scaledError(one.get(k), two.get(k));
      assertTrue(err <= tol, k + ": 1 and 2 threads differ by " + err);
    }
  }
}
