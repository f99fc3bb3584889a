package org.evomoe.optim;

/**
 * Learning rate as a function of the optimiser step. {@code step} counts the optimiser steps
 * already taken (0 for the first step); a training loop calls {@code
 * optimizer.setLearningRate(schedule.learningRate(step))} before each step.
 */
@FunctionalInterface
public interface LearningRateSchedule {
  /**
   * @param step number of optimiser steps already taken, {@code >= 0}
   * @return the learning rate for the next step, finite and {@code >= 0}
   * @throws IllegalArgumentException if {@code step} is negative
   */
  double learningRate(long step);
}
