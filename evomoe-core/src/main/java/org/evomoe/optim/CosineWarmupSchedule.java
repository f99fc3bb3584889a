package org.evomoe.optim;

/**
 * Linear warm-up followed by cosine decay to a floor, with the step convention of Hugging Face
 * {@code get_cosine_schedule_with_warmup} (the training stack of the EvoMoE and MoE-LLaVA papers),
 * extended with a minimum learning-rate ratio. With {@code s} the number of steps already taken,
 * {@code W} the warm-up steps, {@code T} the total steps, {@code r} the minimum ratio:
 *
 * <pre>
 *   s &lt; W:  lr = peak * s / W                     (so the very first step runs at 0 when W &gt; 0)
 *   s &gt;= W: progress = min(1, (s - W) / (T - W))  (progress = 1 when T == W)
 *           lr = peak * (r + (1 - r) * 0.5 * (1 + cos(pi * progress)))
 * </pre>
 *
 * So, for {@code W < T}, {@code lr(W) = peak} and {@code lr(W + (T - W) / 2) = peak * (1 + r) /
 * 2}; {@code lr(s) = peak * r} for every {@code s >= T} (Hugging Face's curve would rise again
 * past {@code T}; this one stays at the floor).
 *
 * @param peakLearningRate the learning rate at the end of warm-up, finite and {@code >= 0}
 * @param warmupSteps {@code W}, {@code 0 <= W <= T}
 * @param totalSteps {@code T}, {@code >= 1}
 * @param minLearningRateRatio {@code r}, the floor as a fraction of the peak, in {@code [0, 1]}
 */
public record CosineWarmupSchedule(
    double peakLearningRate, long warmupSteps, long totalSteps, double minLearningRateRatio)
    implements LearningRateSchedule {

  public CosineWarmupSchedule {
    if (!(peakLearningRate >= 0) || Double.isInfinite(peakLearningRate)) {
      throw new IllegalArgumentException(
          "cosine schedule peakLearningRate must be finite and >= 0, got " + peakLearningRate);
    }
    if (totalSteps < 1) {
      throw new IllegalArgumentException("cosine schedule totalSteps must be >= 1, got " + totalSteps);
    }
    if (warmupSteps < 0 || warmupSteps > totalSteps) {
      throw new IllegalArgumentException(
          "cosine schedule warmupSteps must be in [0, totalSteps="
              + totalSteps
              + "], got "
              + warmupSteps);
    }
    if (!(minLearningRateRatio >= 0 && minLearningRateRatio <= 1)) {
      throw new IllegalArgumentException(
          "cosine schedule minLearningRateRatio must be in [0, 1], got " + minLearningRateRatio);
    }
  }

  /**
   * Warm-up as a fraction of the total steps, rounded up like Hugging Face's {@code
   * warmup_ratio} ({@code W = ceil(T * warmupRatio)}); the paper uses 0.03.
   */
  public static CosineWarmupSchedule withWarmupRatio(
      double peakLearningRate, long totalSteps, double warmupRatio, double minLearningRateRatio) {
    if (!(warmupRatio >= 0 && warmupRatio <= 1)) {
      throw new IllegalArgumentException(
          "cosine schedule warmupRatio must be in [0, 1], got " + warmupRatio);
    }
    long warmup = (long) Math.ceil(totalSteps * warmupRatio);
    return new CosineWarmupSchedule(peakLearningRate, warmup, totalSteps, minLearningRateRatio);
  }

  @Override
  public double learningRate(long step) {
    if (step < 0) {
      throw new IllegalArgumentException("learning-rate schedule step must be >= 0, got " + step);
    }
    if (step < warmupSteps) {
      return peakLearningRate * step / warmupSteps;
    }
    long decaySteps = totalSteps - warmupSteps;
    double progress = decaySteps == 0 ? 1.0 : Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
    double cosine = 0.5 * (1.0 + Math.cos(Math.PI * progress));
    return peakLearningRate * (minLearningRateRatio + (1.0 - minLearningRateRatio) * cosine);
  }
}
