package org.evomoe.examples.model;

import static org.evomoe.examples.model.Grad.D;
import static org.evomoe.examples.model.Grad.maxAbsDiff;
import static org.evomoe.examples.model.Grad.normal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.evomoe.grad.GradientCheck.Target;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.nn.SoftmaxCrossEntropy;
import org.evomoe.router.LinearRouter;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

class DecoderModelTest {
  static final int UNUSED = 12; // token id placed at image positions only; text uses [0, 11)

  static DecoderModel model(ModelConfig c, long seed) {
    DecoderModel m = DecoderModel.create(c, D, new SplittableRandom(seed));
    SplittableRandom rng = new SplittableRandom(seed + 1);
    for (Parameter p : m.parameters()) {
      if (p.name().endsWith("layernorm.weight") || p.name().equals("model.norm.weight")) {
        p.value().assign(normal(rng.nextLong(), 8).muli(0.3).addi(1));
      }
      if (p.name().endsWith("mlp.gate.weight")) {
        p.value().muli(3); // sharper routing
      }
    }
    return m;
  }

  /** 2 sequences of 5: sequence 0 starts with 2 image positions, sequence 1 is text only. */
  static DecoderInput input(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int[] tokens = new int[10];
    for (int i = 0; i < 10; i++) {
      tokens[i] = rng.nextInt(11);
    }
    tokens[0] = UNUSED;
    tokens[1] = UNUSED;
    return new DecoderInput(2, 5, tokens, new int[] {2, 0}, normal(seed + 1, 2, 8));
  }

  static INDArray rows(INDArray a, int from, int to) {
    return a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
  }

  @Test
  void aBatchWithoutImagesBackwardsToAnEmptyImageGradient() {
    // A data-parallel shard may hold only text sequences.
    DecoderModel m = model(Configs.tiny(1, Configs.moe()), 3);
    SplittableRandom rng = new SplittableRandom(8);
    int[] tokens = new int[10];
    for (int i = 0; i < 10; i++) {
      tokens[i] = rng.nextInt(11);
    }
    DecoderInput in = new DecoderInput(2, 5, tokens, new int[] {0, 0}, null);
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    m.zeroGrad();
    try (org.nd4j.linalg.api.memory.MemoryWorkspace ignored =
        org.evomoe.tensor.StepWorkspace.open("no-images")) { // as in training
      ce.forward(m.forward(in), NextTokenTargets.of(in, new int[] {2, 1}));
      INDArray dImage = m.backward(ce.backward());
      assertArrayEquals(new long[] {0, 8}, dImage.shape());
    }
    org.evomoe.tensor.StepWorkspace.release("no-images");
    assertTrue(m.embedTokens().grad().amaxNumber().doubleValue() > 0);
  }

  @Test
  void gradientCheckThroughCrossEntropyWithImageRowsAndMoe() {
    DecoderModel m = model(Configs.tiny(1, Configs.moe()), 3);
    DecoderInput in = input(4);
    // Sequence 0: images at 0-1, prompt at 2, answer from 3. Sequence 1: answer from 2.
    int[] targets = NextTokenTargets.of(in, new int[] {3, 2});
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    m.zeroGrad();
    double loss = ce.forward(m.forward(in), targets) + m.auxLoss();
    assertTrue(m.auxLoss() > 0 && loss > m.auxLoss());
    INDArray dImage = m.backward(ce.backward());
    assertArrayEquals(new long[] {2, 8}, dImage.shape());
    assertTrue(dImage.amaxNumber().doubleValue() > 0);
    Grad.assertAllParametersReached(m);
    // The placeholder token at the image positions is never embedded.
    assertEquals(0.0, m.embedTokens().grad().getRow(UNUSED).amaxNumber().doubleValue());
    // Rows 0..10 of the embedding are the ones text positions use (a dense row-range view).
    Target usedEmbeddingRows = new Target("model.embed_tokens.weight[0:11]",
        rows(m.embedTokens().value(), 0, 11), rows(m.embedTokens().grad(), 0, 11));
    Grad.check(() -> new SoftmaxCrossEntropy().forward(m.forward(in), targets) + m.auxLoss(),
        Grad.targets(m, new Target("image rows", in.imageRows(), dImage), usedEmbeddingRows), 10);
  }

  @Test
  void aChangedFutureTokenLeavesEarlierLogitsAndOtherSequencesUnchanged() {
    DecoderModel m = model(Configs.tiny(2, Configs.moe()), 5);
    DecoderInput in = input(6);
    INDArray logits = m.forward(in).dup();
    int[] t = in.tokens();
    t[3] = (t[3] + 1) % 12; // sequence 0, position 3
    INDArray changed = m.forward(new DecoderInput(2, 5, t, in.imageCounts(), in.imageRows()));
    for (int r = 0; r < 10; r++) {
      double diff = maxAbsDiff(logits.getRow(r), changed.getRow(r));
      if (r < 3 || r >= 5) {
        // Not bit-exact: the MoE's per-expert gemms see other row counts (rounding only).
        assertTrue(diff < 1e-12, "row " + r + " changed by " + diff);
      } else {
        assertTrue(diff > 1e-6, "row " + r + " must depend on position 3");
      }
    }
  }

  @Test
  void sequencesOfABatchAreIndependent() {
    DecoderModel m = model(Configs.tiny(1, Configs.moe()), 7);
    DecoderInput in = input(8);
    INDArray both = m.forward(in).dup();
    int[] t = in.tokens();
    INDArray first = m.forward(new DecoderInput(1, 5, java.util.Arrays.copyOfRange(t, 0, 5),
        new int[] {2}, in.imageRows()));
    INDArray second = m.forward(DecoderInput.text(1, 5, java.util.Arrays.copyOfRange(t, 5, 10)));
    assertTrue(maxAbsDiff(rows(both, 0, 5), first) < 1e-12);
    assertTrue(maxAbsDiff(rows(both, 5, 10), second) < 1e-12);
  }

  @Test
  void imageRowsReplaceTheEmbeddingAtImagePositions() {
    DecoderModel m = model(Configs.tiny(2, Configs.moe()), 9);
    DecoderInput in = input(10);
    INDArray a = m.forward(in).dup();
    int[] t = in.tokens();
    t[0] = 3;
    t[1] = 7;
    INDArray b = m.forward(new DecoderInput(2, 5, t, in.imageCounts(), in.imageRows())).dup();
    assertEquals(0.0, maxAbsDiff(a, b), "tokens at image positions must be ignored");
    INDArray img = in.imageRows().dup();
    img.getRow(1).addi(0.5);
    INDArray c = m.forward(new DecoderInput(2, 5, in.tokens(), in.imageCounts(), img));
    assertEquals(0.0, maxAbsDiff(a.getRow(0), c.getRow(0)));
    assertTrue(maxAbsDiff(a.getRow(1), c.getRow(1)) > 1e-6);
    // The same rows given as embeddings of real tokens give the same logits.
    DecoderModel m2 = model(Configs.tiny(2, Configs.moe()), 9);
    m2.embedTokens().value().getRow(11).assign(in.imageRows().getRow(0));
    m2.embedTokens().value().getRow(12).assign(in.imageRows().getRow(1));
    t[0] = 11;
    t[1] = 12;
    INDArray asText = m2.forward(DecoderInput.text(2, 5, t));
    // Only the modality tags differ, and the linear router ignores them.
    assertTrue(maxAbsDiff(a, asText) < 1e-12);
  }

  @Test
  void upcyclingWithRenormalisedTopTwoKeepsTheFunctionAndDensifyUndoesIt() {
    ModelConfig c = Configs.tiny(1, Configs.moe()).withMoeLayers(Set.of(0, 1));
    DecoderModel m = DecoderModel.createDense(c, D, new SplittableRandom(11));
    assertTrue(m.moeLayers().isEmpty());
    DecoderInput in = input(12);
    INDArray before = m.forward(in).dup();
    m.upcycle(new SplittableRandom(13));
    assertEquals(2, m.moeLayers().size());
    assertTrue(maxAbsDiff(m.forward(in), before) < 1e-12);
    MoeLayer moe = m.block(1).moe();
    assertEquals("model.layers.1.mlp.experts.2.up_proj.weight", moe.experts().get(2).up().name());
    assertEquals("model.layers.1.mlp.gate.weight",
        ((LinearRouter) moe.router()).weight().name());
    assertThrows(IllegalStateException.class,
        () -> m.upcycle(new SplittableRandom(1)));
    m.densify(1, 2);
    assertFalse(m.block(1).isMoe());
    assertEquals("model.layers.1.mlp.gate_proj.weight", m.block(1).denseFfn().gate().name());
    assertTrue(maxAbsDiff(m.forward(in), before) < 1e-12);
  }

  @Test
  void upcyclingChosenLayersWithAnotherMoeShape() {
    ModelConfig c = Configs.tiny(2, Configs.moe());
    DecoderModel m = DecoderModel.createDense(c, D, new SplittableRandom(1));
    MoeConfig topOne = MoeConfig.of(8, 12, 4, 1, 0.001);
    m.upcycle(Set.of(1), topOne, RouterFactory.linear(), new SplittableRandom(2));
    assertFalse(m.block(0).isMoe());
    assertEquals(4, m.block(1).moe().experts().size());
    assertThrows(IllegalArgumentException.class, () -> m.upcycle(Set.of(0),
        MoeConfig.of(8, 10, 4, 1, 0.001), RouterFactory.linear(), new SplittableRandom(2)));
    assertThrows(IllegalArgumentException.class, () -> m.densify(1, 4));
  }

  @Test
  void auxLossIsTheSumOverMoeLayers() {
    ModelConfig c = new ModelConfig(13, 8, 3, 2, 1, 12, 10000, 1e-6, ModelConfig.everyOtherLayer(3),
        Configs.moe());
    DecoderModel m = model(c, 14);
    assertEquals(List.of(true, false, true),
        m.blocks().stream().map(DecoderBlock::isMoe).toList());
    m.forward(input(15));
    double sum = m.block(0).moe().weightedLoss() + m.block(2).moe().weightedLoss();
    assertTrue(sum > 0);
    assertEquals(sum, m.auxLoss(), 0.0);
  }

  @Test
  void parameterNamesFollowTheLlamaLayout() {
    DecoderModel m = model(Configs.tiny(1, Configs.moe()), 1);
    List<String> names = m.parameters().stream().map(Parameter::name).toList();
    assertEquals("model.embed_tokens.weight", names.get(0));
    assertEquals("model.layers.0.input_layernorm.weight", names.get(1));
    assertEquals("model.norm.weight", names.get(names.size() - 2));
    assertEquals("lm_head.weight", names.get(names.size() - 1));
    assertTrue(names.contains("model.layers.0.mlp.experts.1.down_proj.weight"));
    assertTrue(names.contains("model.layers.1.mlp.up_proj.weight"));
    assertEquals(names.size(), Set.copyOf(names).size(), "names must be unique");
    assertArrayEquals(new long[] {13, 8}, m.embedTokens().value().shape());
    assertArrayEquals(new long[] {13, 8}, m.lmHead().weight().value().shape());
  }

  @Test
  void frozenEmbeddingGetsNoGradientButImageRowsStillDo() {
    DecoderModel m = model(Configs.tiny(2, Configs.moe()), 16);
    m.embedTokens().setTrainable(false);
    DecoderInput in = input(17);
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    ce.forward(m.forward(in), NextTokenTargets.afterImages(in));
    INDArray dImage = m.backward(ce.backward());
    assertFalse(m.embedTokens().hasGrad());
    assertTrue(dImage.amaxNumber().doubleValue() > 0);
  }

  @Test
  void floatModelAgreesWithTheDoubleModel() {
    ModelConfig c = Configs.tiny(1, Configs.moe());
    DecoderModel md = DecoderModel.create(c, D, new SplittableRandom(18));
    DecoderModel mf = DecoderModel.create(c, DataType.FLOAT, new SplittableRandom(18));
    DecoderInput in = input(19);
    DecoderInput inF = new DecoderInput(2, 5, in.tokens(), in.imageCounts(),
        in.imageRows().castTo(DataType.FLOAT));
    INDArray ld = md.forward(in);
    INDArray lf = mf.forward(inF);
    assertEquals(DataType.FLOAT, lf.dataType());
    assertTrue(maxAbsDiff(ld, lf) < 1e-4, "max diff " + maxAbsDiff(ld, lf));
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    ce.forward(lf, NextTokenTargets.afterImages(inF));
    INDArray dImage = mf.backward(ce.backward());
    assertEquals(DataType.FLOAT, dImage.dataType());
  }

  @Test
  void badInputsAreNamed() {
    DecoderModel m = model(Configs.tiny(2, Configs.moe()), 20);
    int[] t = new int[10];
    t[7] = 13;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> m.forward(DecoderInput.text(2, 5, t)));
    assertTrue(e.getMessage().contains("token 13 at row 7"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> m.forward(new DecoderInput(2, 5, new int[10], new int[] {1, 1}, normal(1, 2, 6))));
    assertTrue(e.getMessage().contains("[2, 6]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new DecoderInput(2, 5, new int[10], new int[] {1, 1}, normal(1, 3, 8)));
    assertTrue(e.getMessage().contains("[2, d]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new DecoderInput(2, 5, new int[9], new int[2], null));
    assertTrue(e.getMessage().contains("10"), e.getMessage());
    m.forward(DecoderInput.text(2, 5, new int[10]));
    e = assertThrows(IllegalArgumentException.class, () -> m.backward(normal(1, 10, 12)));
    assertTrue(e.getMessage().contains("[10, 12]"), e.getMessage());
    m.forward(DecoderInput.text(2, 5, new int[10]), m.newCache());
    assertThrows(IllegalStateException.class, () -> m.backward(normal(1, 10, 13)));
  }
}
