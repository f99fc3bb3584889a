package org.evomoe.examples.pipeline;

/**
 * Accuracy on one task: a sample counts as correct when greedy decoding reproduces its whole
 * answer and then {@code <eos>} (checked with teacher forcing: every answer position's argmax is
 * the reference token, which is the same as greedy decoding producing exactly the answer).
 */
public record TaskScore(String task, int correct, int total) {
  public double accuracy() {
    return total == 0 ? Double.NaN : correct / (double) total;
  }
}
