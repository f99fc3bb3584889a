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

  /**
   * {@link #trainStep} for one shard of a larger batch (data parallelism): the cross-entropy is a
   * sum over this shard's answer tokens divided by {@code batchCounted}, the answer tokens of the
   * whole batch, and the MoE layers' losses are their shares under the batch's routing totals,
   * which the caller has set on the layers ({@link org.evomoe.tuning.BatchTotals#applyTo}). The
   * shards' losses and gradients add up to {@link #trainStep} on the whole batch.
   *
   * @param batchCounted {@link #countedTokens} summed over every shard of the batch
   * @return this shard's share of the batch's loss
   */
  public static double trainShard(VisionLanguageModel model, InstructionBatch b,
      long batchCounted) {
    DecoderInput in = input(model, b);
    int[] targets = NextTokenTargets.of(in, b.answerStart(), b.lengths());
    INDArray logits = model.forward(in);
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    long counted = countedTokens(b);
    double share = batchCounted == 0 ? 0 : (double) counted / batchCounted;
    double loss = ce.forward(logits, targets) * share; // the mean over this shard, rescaled
    model.backward(ce.backward().muli(share));
    return loss + model.auxLoss();
  }

  /**
   * The tokens the loss of {@link #trainStep} counts: per sequence, the answer and {@code <eos>}
   * ({@code lengths[b] - answerStart[b]} next-token targets, see {@link NextTokenTargets}).
   */
  public static long countedTokens(InstructionBatch b) {
    long n = 0;
    for (int i = 0; i < b.size(); i++) {
      n += b.lengths()[i] - b.answerStart()[i];
    }
    return n;
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
