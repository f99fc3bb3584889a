package org.evomoe.examples.model;

/**
 * Shape and options of one multi-head attention layer.
 *
 * @param dModel input and output width d
 * @param numHeads query heads H; d must be divisible by H (head width dh = d / H)
 * @param numKvHeads key/value heads, dividing H (H: multi-head; fewer: grouped-query attention,
 *     query head h reads key/value head h / (H / numKvHeads), as Hugging Face's repeat_kv)
 * @param causal whether row i of a sequence attends only to rows 0..i (decoder) or to all rows
 *     (encoder)
 * @param bias whether the q/k/v/o projections have biases (LLaMA: no; CLIP: yes)
 * @param ropeTheta RoPE frequency base; 0 disables rotary embedding (learned absolute positions
 *     elsewhere, as in the vision encoder). With RoPE, dh must be even
 */
public record AttentionConfig(
    int dModel, int numHeads, int numKvHeads, boolean causal, boolean bias, double ropeTheta) {
  public AttentionConfig {
    if (dModel <= 0) {
      throw new IllegalArgumentException("attention dModel must be positive, got " + dModel);
    }
    if (numHeads <= 0) {
      throw new IllegalArgumentException("numHeads must be positive, got " + numHeads);
    }
    if (dModel % numHeads != 0) {
      throw new IllegalArgumentException(
          "dModel " + dModel + " is not divisible by numHeads " + numHeads);
    }
    if (numKvHeads <= 0 || numHeads % numKvHeads != 0) {
      throw new IllegalArgumentException(
          "numKvHeads must be positive and divide numHeads " + numHeads + ", got " + numKvHeads);
    }
    if (!(ropeTheta >= 0) || Double.isInfinite(ropeTheta)) {
      throw new IllegalArgumentException(
          "ropeTheta must be finite and > 0, or 0 to disable RoPE, got " + ropeTheta);
    }
    if (ropeTheta > 0 && (dModel / numHeads) % 2 != 0) {
      throw new IllegalArgumentException(
          "RoPE needs an even head width, got dModel / numHeads = " + dModel / numHeads);
    }
  }

  /** A LLaMA decoder attention: causal, no biases, RoPE with the given base. */
  public static AttentionConfig decoder(int dModel, int numHeads, int numKvHeads, double ropeTheta) {
    if (!(ropeTheta > 0)) {
      throw new IllegalArgumentException("decoder attention needs ropeTheta > 0, got " + ropeTheta);
    }
    return new AttentionConfig(dModel, numHeads, numKvHeads, true, false, ropeTheta);
  }

  /** A CLIP-style encoder attention: bidirectional, biases, no RoPE, H key/value heads. */
  public static AttentionConfig encoder(int dModel, int numHeads) {
    return new AttentionConfig(dModel, numHeads, numHeads, false, true, 0.0);
  }

  /** Head width dh = d / H. */
  public int headDim() {
    return dModel / numHeads;
  }

  /** Query heads per key/value head, H / numKvHeads. */
  public int groupSize() {
    return numHeads / numKvHeads;
  }
}
