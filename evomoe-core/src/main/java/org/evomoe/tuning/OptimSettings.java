package org.evomoe.tuning;

/**
 * Optimisation of one stage: AdamW with a cosine schedule and linear warm-up.
 *
 * @param steps optimiser steps, >= 1
 * @param microBatches micro-batches accumulated (and averaged) per step, >= 1
 * @param learningRate peak learning rate, > 0
 * @param warmupRatio warm-up as a fraction of the steps, in [0, 1] (paper: 0.03)
 * @param minLrRatio floor of the cosine decay as a fraction of the peak, in [0, 1]
 * @param weightDecay decoupled weight decay, >= 0 (paper: 0)
 * @param maxGradNorm global-norm clipping threshold; 0 disables clipping
 */
public record OptimSettings(
    int steps,
    int microBatches,
    double learningRate,
    double warmupRatio,
    double minLrRatio,
    double weightDecay,
    double maxGradNorm) {
  public OptimSettings {
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be >= 1, got " + steps);
    }
    if (microBatches < 1) {
      throw new IllegalArgumentException("microBatches must be >= 1, got " + microBatches);
    }
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learningRate must be finite and > 0, got " + learningRate);
    }
    if (!(warmupRatio >= 0 && warmupRatio <= 1)) {
      throw new IllegalArgumentException("warmupRatio must be in [0, 1], got " + warmupRatio);
    }
    if (!(minLrRatio >= 0 && minLrRatio <= 1)) {
      throw new IllegalArgumentException("minLrRatio must be in [0, 1], got " + minLrRatio);
    }
    if (!(weightDecay >= 0)) {
      throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
    }
    if (!(maxGradNorm >= 0)) {
      throw new IllegalArgumentException("maxGradNorm must be >= 0 (0 = off), got " + maxGradNorm);
    }
  }

  /** steps at a learning rate, 3% warm-up, cosine to 0, no decay, clipping at 1.0. */
  public static OptimSettings of(int steps, double learningRate) {
    return new OptimSettings(steps, 1, learningRate, 0.03, 0.0, 0.0, 1.0);
  }
}
