package org.evomoe.examples.model;

import static org.evomoe.examples.model.Grad.D;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GenerationTest {
  /** 3 layers (MoE on 0 and 2, top-2 of 3), 4 query heads over 2 key/value heads. */
  static DecoderModel model(long seed) {
    ModelConfig c = new ModelConfig(13, 16, 3, 4, 2, 12, 10000, 1e-6,
        ModelConfig.everyOtherLayer(3), Configs.moe());
    DecoderModel m = DecoderModel.create(c, D, new SplittableRandom(seed));
    for (org.evomoe.moe.MoeLayer moe : m.moeLayers()) {
      moe.router().parameters().get(0).value().muli(3); // sharper routing: top-k varies by token
    }
    return m;
  }

  static double[] row(INDArray logits, int r) {
    return logits.getRow(r).toDoubleVector();
  }

  /** Full re-encoding of B prompts (2 image rows each) followed by the generated tokens. */
  static INDArray reencode(DecoderModel m, int[][] seqs, INDArray imageRows) {
    int b = seqs.length;
    int s = seqs[0].length;
    int[] flat = new int[b * s];
    for (int i = 0; i < b; i++) {
      System.arraycopy(seqs[i], 0, flat, i * s, s);
    }
    return m.forward(DecoderInput.withImages(b, s, flat, 2, imageRows));
  }

  @Test
  void cachedLogProbabilitiesEqualFullReencodingAtEveryStep() {
    DecoderModel m = model(1);
    int batch = 2;
    int promptLen = 4;
    INDArray imageRows = Grad.normal(2, 4, 16);
    int[][] seqs = {{0, 0, 5, 3}, {0, 0, 9, 1}};
    int[] flat = {0, 0, 5, 3, 0, 0, 9, 1};
    KvCache cache = m.newCache();
    INDArray logits = m.forward(DecoderInput.withImages(batch, promptLen, flat, 2, imageRows), cache);
    // The prefill itself equals the training forward on every row.
    INDArray full = reencode(m, seqs, imageRows);
    assertTrue(Grad.maxAbsDiff(logits, full) < 1e-9);
    int stride = promptLen;
    double worst = 0;
    for (int step = 0; step < 6; step++) {
      int[] next = new int[batch];
      for (int b = 0; b < batch; b++) {
        double[] cached = TokenSampler.logSoftmax(row(logits, b * stride + stride - 1));
        int len = seqs[b].length;
        double[] fresh = TokenSampler.logSoftmax(row(reencode(m, seqs, imageRows), b * len + len - 1));
        for (int v = 0; v < cached.length; v++) {
          worst = Math.max(worst, Math.abs(cached[v] - fresh[v]));
        }
        next[b] = TokenSampler.argmax(cached);
      }
      for (int b = 0; b < batch; b++) {
        seqs[b] = Arrays.copyOf(seqs[b], seqs[b].length + 1);
        seqs[b][seqs[b].length - 1] = next[b];
      }
      logits = m.forward(DecoderInput.text(batch, 1, next), cache);
      stride = 1;
    }
    assertEquals(promptLen + 6, cache.length());
    assertTrue(worst < 1e-9, "cached vs re-encoded log-prob difference " + worst);
  }

  @Test
  void greedyGeneratorMatchesANaiveArgmaxLoop() {
    DecoderModel m = model(3);
    INDArray imageRows = Grad.normal(4, 2, 16);
    int[] prompt = {0, 0, 7, 2, 4};
    GenerationResult r = new Generator(m).generate(
        DecoderInput.withImages(1, 5, prompt, 2, imageRows), 7, SamplingConfig.greedy(), -1);
    int[][] seq = {prompt.clone()};
    for (int i = 0; i < 7; i++) {
      INDArray l = reencode(m, seq, imageRows);
      double[] lp = TokenSampler.logSoftmax(row(l, seq[0].length - 1));
      int t = TokenSampler.argmax(lp);
      assertEquals(t, r.tokens(0)[i], "token " + i);
      assertEquals(lp[t], r.logProbs(0)[i], 1e-9);
      seq[0] = Arrays.copyOf(seq[0], seq[0].length + 1);
      seq[0][seq[0].length - 1] = t;
    }
  }

  /**
   * The generator keeps weight-derived arrays (the DTR's packed hypernetwork weights) only for one
   * generation: weights changed between two generations, with no other forward in between, are
   * used by the second one (checked against the naive re-encoding loop).
   */
  @Test
  void aGenerationUsesWeightsChangedAfterThePreviousOne() {
    // EvoMoE's routing: the DTR (top-1 of 3) on layers 0 and 2.
    ModelConfig c = new ModelConfig(13, 16, 3, 4, 2, 12, 10000, 1e-6,
        ModelConfig.everyOtherLayer(3), MoeSettings.evoMoe(3));
    DecoderModel m = DecoderModel.create(c, D, new SplittableRandom(3));
    INDArray imageRows = Grad.normal(4, 2, 16);
    int[] prompt = {0, 0, 7, 2, 4};
    DecoderInput in = DecoderInput.withImages(1, 5, prompt, 2, imageRows);
    Generator gen = new Generator(m);
    GenerationResult first = gen.generate(in, 5, SamplingConfig.greedy(), -1);
    int changed = 0;
    for (org.evomoe.moe.MoeLayer moe : m.moeLayers()) {
      for (org.evomoe.tensor.Parameter p : moe.router().parameters()) {
        if (p.name().contains(".fc2.")) {
          p.value().muli(-4); // the hypernetworks' second layer: what the generator packs
          changed++;
        }
      }
    }
    assertTrue(changed >= 4, "no DTR hypernetwork weights in the test model: " + changed);
    GenerationResult second = gen.generate(in, 5, SamplingConfig.greedy(), -1);
    int[][] seq = {prompt.clone()};
    for (int i = 0; i < 5; i++) {
      double[] lp = TokenSampler.logSoftmax(row(reencode(m, seq, imageRows), seq[0].length - 1));
      int t = TokenSampler.argmax(lp);
      assertEquals(t, second.tokens(0)[i], "token " + i);
      assertEquals(lp[t], second.logProbs(0)[i], 1e-9);
      seq[0] = Arrays.copyOf(seq[0], seq[0].length + 1);
      seq[0][seq[0].length - 1] = t;
    }
    assertTrue(Math.abs(first.logProbs(0)[0] - second.logProbs(0)[0]) > 1e-6,
        "changing the hypernetworks did not change the generation");
  }

  /**
   * Greedy tokens and their log-probabilities by re-encoding the whole sequences for every token
   * (no cache, no scope: the training forward), {tokens[b][i], logProbs[b][i]}.
   */
  private static Object[] naiveGreedy(DecoderModel m, int[][] prompts, INDArray imageRows, int n) {
    int batch = prompts.length;
    int[][] seq = new int[batch][];
    for (int b = 0; b < batch; b++) {
      seq[b] = prompts[b].clone();
    }
    int[][] tokens = new int[batch][n];
    double[][] logProbs = new double[batch][n];
    for (int i = 0; i < n; i++) {
      INDArray l = reencode(m, seq, imageRows);
      int len = seq[0].length;
      for (int b = 0; b < batch; b++) {
        double[] lp = TokenSampler.logSoftmax(row(l, b * len + len - 1));
        tokens[b][i] = TokenSampler.argmax(lp);
        logProbs[b][i] = lp[tokens[b][i]];
      }
      for (int b = 0; b < batch; b++) {
        seq[b] = Arrays.copyOf(seq[b], len + 1);
        seq[b][len] = tokens[b][i];
      }
    }
    return new Object[] {tokens, logProbs};
  }

  /**
   * Every weight of a DTR model (attention, FFNs, experts, routers, norms, embeddings, LM head)
   * changed by an AdamW step between two generations: the second generation equals the naive
   * re-encoding loop with the new weights, in double to 1e-9 and in float to float rounding (the
   * generation's products of a few rows run in plain Java on copies made once per generation).
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(value = org.nd4j.linalg.api.buffer.DataType.class,
      names = {"DOUBLE", "FLOAT"})
  void aGenerationAfterAnOptimiserStepOnEveryWeightEqualsTheNaiveLoop(
      org.nd4j.linalg.api.buffer.DataType type) {
    ModelConfig c = new ModelConfig(13, 16, 3, 4, 2, 12, 10000, 1e-6,
        ModelConfig.everyOtherLayer(3), MoeSettings.evoMoe(3));
    DecoderModel m = DecoderModel.create(c, type, new SplittableRandom(11));
    INDArray imageRows = Grad.normal(12, 4, 16).castTo(type);
    int[][] prompts = {{0, 0, 7, 2, 4}, {0, 0, 3, 3, 9}};
    int[] flat = {0, 0, 7, 2, 4, 0, 0, 3, 3, 9};
    DecoderInput in = DecoderInput.withImages(2, 5, flat, 2, imageRows);
    Generator gen = new Generator(m);
    GenerationResult first = gen.generate(in, 6, SamplingConfig.greedy(), -1);
    long seed = 100;
    for (org.evomoe.tensor.Parameter p : m.parameters()) {
      p.grad().assign(Grad.normal(++seed, p.value().shape()).castTo(type));
    }
    new org.evomoe.optim.AdamW(org.evomoe.optim.AdamWConfig.withDefaults(0.05, 0.0),
        m.parameters()).step();
    GenerationResult second = gen.generate(in, 6, SamplingConfig.greedy(), -1);
    Object[] naive = naiveGreedy(m, prompts, imageRows, 6);
    int[][] tokens = (int[][]) naive[0];
    double[][] logProbs = (double[][]) naive[1];
    double tol = type == org.nd4j.linalg.api.buffer.DataType.DOUBLE ? 1e-9 : 1e-4;
    boolean moved = false;
    for (int b = 0; b < 2; b++) {
      assertArrayEquals(tokens[b], second.tokens(b), "sequence " + b);
      for (int i = 0; i < 6; i++) {
        assertEquals(logProbs[b][i], second.logProbs(b)[i], tol, "sequence " + b + " token " + i);
      }
      moved |= Math.abs(first.logProbs(b)[0] - second.logProbs(b)[0]) > 1e-3;
    }
    assertTrue(moved, "the optimiser step did not change the generation");
  }

  @Test
  void generationStopsAfterTheEndToken() {
    DecoderModel m = model(5);
    DecoderInput prompt = DecoderInput.withImages(1, 3, new int[] {0, 0, 4}, 2, Grad.normal(6, 2, 16));
    int[] free = new Generator(m).generate(prompt, 6, SamplingConfig.greedy(), -1).tokens(0);
    int end = free[2];
    int firstEnd = 0;
    while (free[firstEnd] != end) {
      firstEnd++;
    }
    int[] stopped = new Generator(m).generate(prompt, 6, SamplingConfig.greedy(), end).tokens(0);
    assertArrayEquals(Arrays.copyOf(free, firstEnd + 1), stopped);
    assertEquals(0, new Generator(m).generate(prompt, 0, SamplingConfig.greedy(), -1).tokens(0).length);
  }

  @Test
  void maxNewTokensIsABoundNotAnAllocation() {
    // An up-front int[maxNewTokens] would throw OutOfMemoryError here; 100 > the initial capacity
    // also exercises the growth.
    DecoderModel m = model(5);
    DecoderInput prompt = DecoderInput.text(1, 3, new int[] {1, 2, 3});
    int[] free = new Generator(m).generate(prompt, 100, SamplingConfig.greedy(), -1).tokens(0);
    assertEquals(100, free.length);
    int[] stopped = new Generator(m).generate(prompt, Integer.MAX_VALUE, SamplingConfig.greedy(), free[0])
        .tokens(0);
    assertArrayEquals(new int[] {free[0]}, stopped);
  }

  @Test
  void seededSamplingIsReproducible() {
    DecoderModel m = model(7);
    DecoderInput prompt = DecoderInput.text(2, 2, new int[] {1, 2, 3, 4});
    SamplingConfig s = new SamplingConfig(1.5, 0.95, 42);
    GenerationResult a = new Generator(m).generate(prompt, 10, s, -1);
    GenerationResult b = new Generator(m).generate(prompt, 10, s, -1);
    assertArrayEquals(a.tokens(0), b.tokens(0));
    assertArrayEquals(a.tokens(1), b.tokens(1));
    GenerationResult c = new Generator(m).generate(prompt, 10, new SamplingConfig(1.5, 0.95, 43), -1);
    assertFalse(Arrays.equals(a.tokens(0), c.tokens(0)) && Arrays.equals(a.tokens(1), c.tokens(1)));
    GenerationResult g = new Generator(m).generate(prompt, 10, SamplingConfig.greedy(), -1);
    assertFalse(Arrays.equals(a.tokens(0), g.tokens(0)), "temperature 1.5 should leave greedy");
  }

  @Test
  void samplerFrequenciesFollowTemperatureAndNucleus() {
    // Probabilities 0.5, 0.3, 0.15, 0.05 from their logs.
    double[] p = {0.5, 0.3, 0.15, 0.05};
    double[] logits = Arrays.stream(p).map(Math::log).toArray();
    int n = 40000;
    // topP = 0.75 keeps exactly {0, 1} (0.5 falls short, 0.8 reaches it): 0.625 / 0.375.
    int[] counts = draw(new TokenSampler(new SamplingConfig(1.0, 0.75, 1)), logits, n);
    assertEquals(0, counts[2] + counts[3]);
    assertEquals(0.625, counts[0] / (double) n, 0.01);
    // topP = 1, temperature 2: p_i^(1/2) normalised.
    double[] q = Arrays.stream(p).map(Math::sqrt).toArray();
    double z = Arrays.stream(q).sum();
    counts = draw(new TokenSampler(new SamplingConfig(2.0, 1.0, 2)), logits, n);
    for (int i = 0; i < 4; i++) {
      assertEquals(q[i] / z, counts[i] / (double) n, 0.01, "token " + i);
    }
    // A tiny nucleus or temperature 0 is the argmax.
    assertEquals(n, draw(new TokenSampler(new SamplingConfig(1.0, 0.01, 3)), logits, n)[0]);
    assertEquals(0, new TokenSampler(SamplingConfig.greedy()).sample(logits));
  }

  private static int[] draw(TokenSampler s, double[] logits, int n) {
    int[] c = new int[logits.length];
    for (int i = 0; i < n; i++) {
      c[s.sample(logits)]++;
    }
    return c;
  }

  @Test
  void cacheMisuseIsRejected() {
    DecoderModel m = model(9);
    KvCache cache = m.newCache();
    m.forward(DecoderInput.text(2, 3, new int[6]), cache);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> m.forward(DecoderInput.text(1, 1, new int[1]), cache));
    assertTrue(e.getMessage().contains("holds 2 sequences"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> m.forward(
        DecoderInput.withImages(2, 2, new int[4], 1, Nd4j.zeros(D, 2, 16)), cache));
    assertTrue(e.getMessage().contains("precede"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> m.forward(DecoderInput.text(1, 1,
        new int[1]), new KvCache(2)));
    assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(-1, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(1, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(1, 1.5, 0));
  }
}
