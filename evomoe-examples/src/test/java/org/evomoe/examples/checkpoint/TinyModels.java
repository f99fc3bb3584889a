package org.evomoe.examples.checkpoint;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.evomoe.examples.model.DecoderInput;
import org.evomoe.examples.model.ModelConfig;
import org.evomoe.examples.model.MoeSettings;
import org.evomoe.examples.model.VisionConfig;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.text.WordTokenizer;
import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.Parameter;
import org.evomoe.router.RouterKind;
import org.evomoe.moe.RoutingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Tiny multimodal models for the checkpoint tests. */
final class TinyModels {
  static final int VOCAB = 13;
  static final int SEQ = 7; // 4 image positions + 3 text positions in sequences with an image

  private TinyModels() {}

  /** 4x4 canvases, 2x2 patches (4 image tokens), dVision 6, 1 layer of 2 heads, MLP 8. */
  static VisionConfig vision() {
    return new VisionConfig(4, 4, 2, 6, 1, 2, 8, 1e-5);
  }

  /** V = 13, d = 8, 3 layers, 2 heads, 1 kv head, FFN 12, MoE on layers 0 and 2. */
  static ModelConfig decoder(MoeSettings moe) {
    return new ModelConfig(VOCAB, 8, 3, 2, 1, 12, 500.0, 1e-5, Set.of(0, 2), moe);
  }

  /** Top-2 of 3 experts, renormalised, with auxiliary and z-loss weights. */
  static MoeSettings moe(RouterKind kind) {
    return new MoeSettings(3, new RoutingConfig(2, true, 0.01, 0.001, kind));
  }

  static WordTokenizer tokenizer() {
    return WordTokenizer.build(List.of("a red bag on the left"));
  }

  /** Sets every parameter to N(0, 0.5^2) values (norm weights and biases included). */
  static void randomise(VisionLanguageModel m, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    for (Parameter p : m.parameters()) {
      INDArray v = p.value();
      double[] values = new double[(int) v.length()];
      for (int i = 0; i < values.length; i++) {
        values[i] = 0.5 * rng.nextGaussian();
      }
      Buffers.of(v).write(0, values, 0, values.length);
    }
  }

  /** A batch of 3 sequences of {@link #SEQ}: the first two start with an image, the last not. */
  static DecoderInput batch(VisionLanguageModel m, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int pixels = m.vision().config().pixels();
    float[] px = new float[2 * pixels];
    for (int i = 0; i < px.length; i++) {
      px[i] = (float) rng.nextDouble();
    }
    int[] tokens = new int[3 * SEQ];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = rng.nextInt(VOCAB);
    }
    INDArray pixelArray = Nd4j.create(px, new long[] {2, pixels}, 'c')
        .castTo(m.decoder().dataType());
    return m.input(pixelArray, new boolean[] {true, true, false}, 3, SEQ, tokens);
  }

  /** Logits of {@link #batch} as doubles. */
  static double[] logits(VisionLanguageModel m, long seed) {
    INDArray logits = m.forward(batch(m, seed));
    return logits.castTo(DataType.DOUBLE).data().asDouble();
  }
}
