package org.evomoe.optim;

/**
 * The same learning rate at every step.
 *
 * @param rate the learning rate, finite and {@code >= 0}
 */
public record ConstantLearningRate(double rate) implements LearningRateSchedule {

  public ConstantLearningRate {
    if (!(rate >= 0) || Double.isInfinite(rate)) {
      throw new IllegalArgumentException("constant learning rate must be finite and >= 0, got " + rate);
    }
  }

  @Override
  public double learningRate(long step) {
    if (step < 0) {
      throw new IllegalArgumentException("learning-rate schedule step must be >= 0, got " + step);
    }
    return rate;
  }
}
