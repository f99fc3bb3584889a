package org.evomoe.examples.pipeline;

import org.evomoe.examples.model.DecoderInput;
import org.evomoe.examples.model.NextTokenTargets;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.nn.SoftmaxCrossEntropy;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Forward, loss and backward of the vision-language model on one instruction batch. */
public final class ModelSteps {
  private ModelSteps() {}

  /**
   * Cross-entropy on the answer tokens (and {@code <eos>}) plus the MoE layers' weighted
   * auxiliary losses over the real (non-padding) positions; runs backward into every trainable
   * parameter.
   *
   * @return the loss
   */
  public static double trainStep(VisionLanguageModel model, InstructionBatch b) {
    DecoderInput in = input(model, b);
    int[] targets = NextTokenTargets.of(in, b.answerStart(), b.lengths());
    INDArray logits = model.forward(in);
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    double loss = ce.forward(logits, targets);
    model.backward(ce.backward());
    return loss + model.auxLoss();
  }

  /** Logits [B*S, V] of a batch (the MoE layers route real positions only), no backward. */
  public static INDArray logits(VisionLanguageModel model, InstructionBatch b) {
    return model.forward(input(model, b));
  }

  /** The decoder input of a batch: its padding (after {@code <eos>}) masked out. */
  public static DecoderInput input(VisionLanguageModel model, InstructionBatch b) {
    return model.input(b.pixels(), b.withImage(), b.size(), b.seqLen(), b.tokens(), b.lengths());
  }
}
