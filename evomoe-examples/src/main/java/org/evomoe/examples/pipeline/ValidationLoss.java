package org.evomoe.examples.pipeline;

import java.util.List;
import org.evomoe.examples.data.instruct.InstructionSample;
import org.evomoe.examples.model.DecoderInput;
import org.evomoe.examples.model.NextTokenTargets;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.nn.SoftmaxCrossEntropy;
import org.evomoe.tensor.StepWorkspace;
import org.nd4j.linalg.api.memory.MemoryWorkspace;

/**
 * The language-model loss of a fixed set of held-out samples: the cross-entropy of the answer
 * tokens (and {@code <eos>}), the positions the training loss supervises, without the MoE
 * auxiliary losses. Forward only; the model's weights and gradients are untouched.
 */
public final class ValidationLoss {
  private final InstructionBatcher batcher;
  private final List<InstructionSample> samples;
  private final int batchSize;

  /**
   * @param samples the held-out samples, never trained on
   * @param batchSize samples per forward
   */
  public ValidationLoss(InstructionBatcher batcher, List<InstructionSample> samples, int batchSize) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("validation needs at least one sample");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    this.batcher = batcher;
    this.samples = List.copyOf(samples);
    this.batchSize = batchSize;
  }

  public int size() {
    return samples.size();
  }

  /** The validation samples, in measurement order. */
  public List<InstructionSample> samples() {
    return samples;
  }

  /** Mean cross-entropy per supervised token over all samples (nats). */
  public double measure(VisionLanguageModel model) {
    return tokenMean(perSample(model));
  }

  /**
   * Mean cross-entropy per supervised token of {@link #perSample}'s result, or of any subset of
   * its columns: summed losses over summed token counts.
   */
  public static double tokenMean(double[][] perSample) {
    double loss = 0;
    double tokens = 0;
    for (int i = 0; i < perSample[0].length; i++) {
      loss += perSample[0][i];
      tokens += perSample[1][i];
    }
    return loss / tokens;
  }

  /**
   * Per sample: {@code [0][i]} the summed cross-entropy of sample i's supervised tokens, {@code
   * [1][i]} their number.
   */
  public double[][] perSample(VisionLanguageModel model) {
    double[] loss = new double[samples.size()];
    double[] tokens = new double[samples.size()];
    for (int from = 0; from < samples.size(); from += batchSize) {
      List<InstructionSample> part = samples.subList(from, Math.min(samples.size(), from + batchSize));
      InstructionBatch b = batcher.batch(part);
      try (MemoryWorkspace ignored = StepWorkspace.open("validation")) {
        DecoderInput in = ModelSteps.input(model, b); // padding masked out
        int[] targets = NextTokenTargets.of(in, b.answerStart(), b.lengths());
        double[][] logits = model.forward(in).toDoubleMatrix(); // [B*S][V]
        int s = b.seqLen();
        for (int i = 0; i < part.size(); i++) {
          for (int p = i * s; p < (i + 1) * s; p++) {
            if (targets[p] != SoftmaxCrossEntropy.IGNORE) {
              loss[from + i] += SoftmaxCrossEntropy.logSumExp(logits[p]) - logits[p][targets[p]];
              tokens[from + i]++;
            }
          }
        }
      }
    }
    return new double[][] {loss, tokens};
  }
}
