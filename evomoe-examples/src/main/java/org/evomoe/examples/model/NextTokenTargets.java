package org.evomoe.examples.model;

import java.util.Arrays;
import org.evomoe.nn.SoftmaxCrossEntropy;

/**
 * Next-token targets for {@link SoftmaxCrossEntropy}: row {@code b*S + s} predicts the token at
 * position {@code s + 1} of sequence b. Positions that must not be learned (image positions,
 * prompt, right padding) are marked {@link SoftmaxCrossEntropy#IGNORE}.
 */
public final class NextTokenTargets {
  private NextTokenTargets() {}

  /** Every text token after the images is supervised (captioning, pre-training). */
  public static int[] afterImages(DecoderInput in) {
    int[] from = new int[in.batch()];
    for (int b = 0; b < from.length; b++) {
      from[b] = Math.max(1, in.imageCount(b));
    }
    return of(in, from, full(in));
  }

  /**
   * @param supervisedFrom per sequence, the first position whose token is learned (the answer's
   *     start); in [max(1, imageCount), S]
   */
  public static int[] of(DecoderInput in, int[] supervisedFrom) {
    return of(in, supervisedFrom, full(in));
  }

  /**
   * @param supervisedFrom per sequence, the first position whose token is learned; in [max(1,
   *     imageCount), S]
   * @param lengths per sequence, the number of real positions (the rest is right padding); in
   *     [1, S]
   * @return targets [B*S]
   */
  public static int[] of(DecoderInput in, int[] supervisedFrom, int[] lengths) {
    int batch = in.batch();
    int seq = in.seqLen();
    if (supervisedFrom == null || supervisedFrom.length != batch) {
      throw new IllegalArgumentException("supervisedFrom needs one entry per sequence (" + batch + ")");
    }
    if (lengths == null || lengths.length != batch) {
      throw new IllegalArgumentException("lengths needs one entry per sequence (" + batch + ")");
    }
    int[] targets = new int[batch * seq];
    Arrays.fill(targets, SoftmaxCrossEntropy.IGNORE);
    for (int b = 0; b < batch; b++) {
      int lo = Math.max(1, in.imageCount(b));
      if (supervisedFrom[b] < lo || supervisedFrom[b] > seq) {
        throw new IllegalArgumentException("supervisedFrom of sequence " + b + " is "
            + supervisedFrom[b] + ", outside [" + lo + ", " + seq + "]");
      }
      if (lengths[b] < 1 || lengths[b] > seq) {
        throw new IllegalArgumentException(
            "length of sequence " + b + " is " + lengths[b] + ", outside [1, " + seq + "]");
      }
      for (int s = supervisedFrom[b]; s < lengths[b]; s++) {
        targets[b * seq + s - 1] = in.token(b * seq + s);
      }
    }
    return targets;
  }

  private static int[] full(DecoderInput in) {
    int[] l = new int[in.batch()];
    Arrays.fill(l, in.seqLen());
    return l;
  }
}
