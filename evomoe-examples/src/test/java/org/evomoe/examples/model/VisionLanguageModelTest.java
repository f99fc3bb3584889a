package org.evomoe.examples.model;

import static org.evomoe.examples.model.Grad.D;
import static org.evomoe.examples.model.Grad.maxAbsDiff;
import static org.evomoe.examples.model.Grad.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.grad.GradientCheck.Target;
import org.evomoe.nn.SoftmaxCrossEntropy;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class VisionLanguageModelTest {
  // 4x4 canvases, 2x2 patches: 4 image tokens per image.
  static VisionLanguageModel model(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    VisionEncoder vision = new VisionEncoder(new VisionConfig(4, 4, 2, 6, 1, 2, 8, 1e-6), D, rng);
    MultiModalProjector projector = new MultiModalProjector(6, 8, D, rng);
    DecoderModel decoder = DecoderModel.create(Configs.tiny(1, Configs.moe()), D, rng);
    return new VisionLanguageModel(vision, projector, decoder);
  }

  static int[] tokens(long seed, int n) {
    SplittableRandom rng = new SplittableRandom(seed);
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      t[i] = rng.nextInt(13);
    }
    return t;
  }

  @Test
  void projectorGradientCheckThroughTheLanguageModelLossWithAFrozenVisionEncoder() {
    VisionLanguageModel m = model(1);
    m.vision().setTrainable(false);
    m.decoder().setTrainable(false); // projector alignment stage: only the projector trains
    INDArray pixels = normal(2, 2, 16);
    int[] tokens = tokens(3, 14); // 2 sequences of 7: 4 image positions + 3 text
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    DecoderInput in = m.input(pixels, new boolean[] {true, true}, 2, 7, tokens);
    int[] targets = NextTokenTargets.afterImages(in);
    m.zeroGrad();
    ce.forward(m.forward(in), targets);
    m.backward(ce.backward());
    for (Parameter p : m.vision().parameters()) {
      assertFalse(p.hasGrad(), p.name());
    }
    for (Parameter p : m.decoder().parameters()) {
      assertFalse(p.hasGrad(), p.name());
    }
    Grad.assertAllParametersReached(m.projector());
    List<Target> t = new ArrayList<>();
    for (Parameter p : m.projector().parameters()) {
      t.add(Target.of(p));
    }
    Grad.check(() -> new SoftmaxCrossEntropy().forward(m.forward(pixels, 2, 7, tokens), targets)
        + m.auxLoss(), t, 20);
  }

  @Test
  void trainableVisionEncoderGetsTheGradientToo() {
    VisionLanguageModel m = model(4);
    INDArray pixels = normal(5, 1, 16);
    int[] tokens = tokens(6, 6);
    DecoderInput in = m.input(pixels, new boolean[] {true}, 1, 6, tokens);
    int[] targets = NextTokenTargets.afterImages(in);
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    m.zeroGrad();
    ce.forward(m.forward(in), targets);
    m.backward(ce.backward());
    Grad.assertAllParametersReached(m.vision());
    List<Target> t = List.of(Target.of(m.vision().patchEmbedding().weight()),
        Target.of(m.vision().positionEmbedding()),
        Target.of(m.vision().layers().get(0).mlp().first().weight()));
    Grad.check(() -> new SoftmaxCrossEntropy().forward(m.forward(pixels, 1, 6, tokens), targets)
        + m.auxLoss(), t, 12);
  }

  @Test
  void mixedBatchesPutImagesOnlyWhereAsked() {
    VisionLanguageModel m = model(7);
    INDArray pixels = normal(8, 1, 16);
    int[] tokens = tokens(9, 12);
    DecoderInput in = m.input(pixels, new boolean[] {false, true}, 2, 6, tokens);
    assertEquals(0, in.imageCount(0));
    assertEquals(4, in.imageCount(1));
    INDArray logits = m.forward(in).dup();
    INDArray textOnly = m.decoder().forward(
        DecoderInput.text(1, 6, java.util.Arrays.copyOfRange(tokens, 0, 6)));
    assertTrue(maxAbsDiff(logits.getRow(0), textOnly.getRow(0)) < 1e-12);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> m.input(normal(1, 2, 16), new boolean[] {false, true}, 2, 6, tokens));
    assertTrue(e.getMessage().contains("[1, 16]"), e.getMessage());
    // Image rows computed again after the forward invalidate its backward.
    m.imageRows(pixels);
    assertThrows(IllegalStateException.class, () -> m.backward(normal(1, 12, 13)));
  }

  @Test
  void parameterOrderIsVisionProjectorDecoder() {
    List<String> names = model(1).parameters().stream().map(Parameter::name).toList();
    assertTrue(names.get(0).startsWith("vision_tower."));
    int proj = names.indexOf("multi_modal_projector.linear_1.weight");
    int embed = names.indexOf("model.embed_tokens.weight");
    assertTrue(proj > 0 && embed > proj);
    assertEquals("lm_head.weight", names.get(names.size() - 1));
  }
}
