package org.evomoe.examples.bench;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.nn.SoftmaxCrossEntropy;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A training batch for benchmarks: every sequence starts with one image (P rows), then random
 * tokens; each text position but the last predicts the next token (image rows predict nothing).
 *
 * @param batch B
 * @param seq S
 * @param pixels [B, H*W], uniform in [0, 1)
 * @param withImage all true
 * @param tokens [B*S] ids in [3, vocab) (entries at image positions are ignored)
 * @param targets [B*S] next-token ids or {@link SoftmaxCrossEntropy#IGNORE}
 */
record SyntheticBatch(int batch, int seq, INDArray pixels, boolean[] withImage, int[] tokens,
    int[] targets) {
  static SyntheticBatch of(VisionLanguageModel model, int batch, int seq, SplittableRandom rng) {
    int p = model.vision().tokensPerImage();
    int vocab = model.decoder().config().vocabSize();
    int px = model.vision().config().pixels();
    float[] pix = new float[batch * px];
    for (int i = 0; i < pix.length; i++) {
      pix[i] = (float) rng.nextDouble();
    }
    int[] tokens = new int[batch * seq];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = 3 + rng.nextInt(vocab - 3);
    }
    int[] targets = new int[batch * seq];
    Arrays.fill(targets, SoftmaxCrossEntropy.IGNORE);
    for (int b = 0; b < batch; b++) {
      for (int s = p; s < seq - 1; s++) {
        targets[b * seq + s] = tokens[b * seq + s + 1];
      }
    }
    boolean[] withImage = new boolean[batch];
    Arrays.fill(withImage, true);
    INDArray pixels = Nd4j.createFromArray(pix).reshape(batch, px).castTo(DataType.FLOAT);
    return new SyntheticBatch(batch, seq, pixels, withImage, tokens, targets);
  }
}
