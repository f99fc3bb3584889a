package org.evomoe.examples.pipeline;

import java.util.List;
import org.evomoe.examples.data.instruct.InstructionSample;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A batch of instruction samples laid out for the model. Sequence b is
 * {@code [P image positions if the sample has a canvas] <bos> prompt answer <eos> <pad>...}.
 *
 * @param samples the B samples
 * @param seqLen S
 * @param pixels canvases of the samples that have one, in batch order [count, H*W], or null
 * @param withImage per sequence, whether it starts with image positions [B]
 * @param tokens token ids [B*S] (image positions hold {@code <image>})
 * @param answerStart per sequence, the position of the first answer token [B]
 * @param lengths per sequence, the position after {@code <eos>} [B]
 */
public record InstructionBatch(
    List<InstructionSample> samples,
    int seqLen,
    INDArray pixels,
    boolean[] withImage,
    int[] tokens,
    int[] answerStart,
    int[] lengths) {

  public int size() {
    return samples.size();
  }
}
