package org.evomoe.optim;

/**
 * Hyper-parameters of {@link AdamW} (PyTorch {@code torch.optim.AdamW} semantics).
 *
 * @param learningRate base learning rate, finite and {@code >= 0}; a {@link LearningRateSchedule}
 *     usually overrides it step by step through {@link AdamW#setLearningRate(double)}
 * @param beta1 decay of the first-moment average, in {@code [0, 1)}
 * @param beta2 decay of the second-moment average, in {@code [0, 1)}
 * @param eps added to {@code sqrt(vhat)} in the denominator, finite and {@code > 0}
 * @param weightDecay decoupled weight decay, finite and {@code >= 0}
 */
public record AdamWConfig(
    double learningRate, double beta1, double beta2, double eps, double weightDecay) {

  public AdamWConfig {
    if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException(
          "AdamW learningRate must be finite and >= 0, got " + learningRate);
    }
    checkBeta("beta1", beta1);
    checkBeta("beta2", beta2);
    if (!(eps > 0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException("AdamW eps must be finite and > 0, got " + eps);
    }
    if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
      throw new IllegalArgumentException(
          "AdamW weightDecay must be finite and >= 0, got " + weightDecay);
    }
  }

  /** PyTorch defaults for the betas and eps: (0.9, 0.999), 1e-8. */
  public static AdamWConfig withDefaults(double learningRate, double weightDecay) {
    return new AdamWConfig(learningRate, 0.9, 0.999, 1e-8, weightDecay);
  }

  /** The same configuration with another base learning rate. */
  public AdamWConfig withLearningRate(double newLearningRate) {
    return new AdamWConfig(newLearningRate, beta1, beta2, eps, weightDecay);
  }

  private static void checkBeta(String name, double beta) {
    if (!(beta >= 0 && beta < 1)) {
      throw new IllegalArgumentException("AdamW " + name + " must be in [0, 1), got " + beta);
    }
  }
}
