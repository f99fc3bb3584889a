package org.evomoe.optim;

import java.util.List;
import java.util.Objects;
import org.evomoe.tensor.Parameter;

/**
 * Gradient accumulation over micro-batches: backward passes of {@code M} micro-batches add their
 * gradients into the parameters' buffers; after the {@code M}-th, the gradients are scaled by
 * {@code 1/M}, the step action runs, and all gradients are zeroed.
 *
 * <p>If each micro-batch loss is a mean over its {@code B} samples, the averaged gradient equals
 * the gradient of the mean loss over all {@code M * B} samples, so the step is the one a single
 * batch of {@code M * B} would have produced. The step action is where a loop clips gradients
 * (on the averaged gradient), runs expert evolution's {@code beforeStep}, the optimiser's {@code
 * step} and evolution's {@code afterStep}.
 *
 * <p>Use: after each micro-batch's backward call {@link #endMicroBatch(Runnable)}; at the end of an
 * epoch call {@link #flush(Runnable)} to step on a partial group (averaged over the micro-batches
 * it holds).
 */
public final class GradientAccumulator {
  private final List<Parameter> parameters;
  private final int microBatchesPerStep;
  private int pending;

  /**
   * @param parameters the parameters whose gradients are averaged and zeroed
   * @param microBatchesPerStep {@code M}, {@code >= 1}
   */
  public GradientAccumulator(List<Parameter> parameters, int microBatchesPerStep) {
    Objects.requireNonNull(parameters, "parameters");
    if (microBatchesPerStep < 1) {
      throw new IllegalArgumentException(
          "gradient accumulation microBatchesPerStep must be >= 1, got " + microBatchesPerStep);
    }
    this.parameters = List.copyOf(parameters);
    this.microBatchesPerStep = microBatchesPerStep;
  }

  public int microBatchesPerStep() {
    return microBatchesPerStep;
  }

  /** Micro-batches accumulated since the last step. */
  public int pendingMicroBatches() {
    return pending;
  }

  /**
   * Records that one micro-batch's gradients were accumulated; on the {@code M}-th it averages,
   * runs {@code step} and zeroes the gradients.
   *
   * @return true when a step was taken
   */
  public boolean endMicroBatch(Runnable step) {
    Objects.requireNonNull(step, "step action");
    pending++;
    if (pending < microBatchesPerStep) {
      return false;
    }
    stepOnPending(step);
    return true;
  }

  /**
   * Steps on a partial group, averaging over the micro-batches it holds.
   *
   * @return true when a step was taken (false when nothing was pending)
   */
  public boolean flush(Runnable step) {
    Objects.requireNonNull(step, "step action");
    if (pending == 0) {
      return false;
    }
    stepOnPending(step);
    return true;
  }

  private void stepOnPending(Runnable step) {
    if (pending > 1) {
      double scale = 1.0 / pending;
      for (Parameter p : parameters) {
        if (p.trainable() && p.hasGrad()) {
          p.grad().muli(scale);
        }
      }
    }
    pending = 0;
    step.run();
    for (Parameter p : parameters) {
      p.zeroGrad();
    }
  }
}
