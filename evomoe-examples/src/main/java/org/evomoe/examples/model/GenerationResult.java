package org.evomoe.examples.model;

/**
 * What {@link Generator} produced for a batch.
 *
 * @param tokens per sequence, the new tokens (including the end token when one was produced)
 * @param logProbs per sequence, log p(token) of each new token under the model's distribution at
 *     temperature 1 (log-softmax of the raw logits, whatever sampler chose it)
 */
public record GenerationResult(int[][] tokens, double[][] logProbs) {
  public GenerationResult {
    if (tokens.length != logProbs.length) {
      throw new IllegalArgumentException(
          "tokens and logProbs disagree on the batch: " + tokens.length + " vs " + logProbs.length);
    }
  }

  /** The new tokens of sequence b. */
  public int[] tokens(int b) {
    return tokens[b].clone();
  }

  /** The log-probabilities of sequence b's new tokens. */
  public double[] logProbs(int b) {
    return logProbs[b].clone();
  }
}
