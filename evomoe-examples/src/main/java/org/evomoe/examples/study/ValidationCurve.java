package org.evomoe.examples.study;

import java.util.Arrays;

/**
 * The validation loss of one stage (see {@link org.evomoe.examples.pipeline.ValidationLoss}):
 * measured before the first step, every {@code validationEvery} steps and after the last.
 *
 * @param samples validation samples (held out of training)
 * @param steps optimiser steps done at each measurement, increasing, starting at 0
 * @param losses mean cross-entropy per answer token at each measurement [steps.length]
 */
public record ValidationCurve(int samples, int[] steps, double[] losses) {
  public ValidationCurve {
    if (steps.length != losses.length) {
      throw new IllegalArgumentException("validation curve has " + steps.length + " steps and "
          + losses.length + " losses");
    }
    steps = steps.clone();
    losses = losses.clone();
  }

  /** The points measured at or before {@code step}. */
  ValidationCurve upTo(int step) {
    int n = 0;
    while (n < steps.length && steps[n] <= step) {
      n++;
    }
    return new ValidationCurve(samples, Arrays.copyOf(steps, n), Arrays.copyOf(losses, n));
  }

  /** This curve with one more point. */
  ValidationCurve plus(int step, double loss) {
    int[] s = Arrays.copyOf(steps, steps.length + 1);
    double[] l = Arrays.copyOf(losses, losses.length + 1);
    s[steps.length] = step;
    l[losses.length] = loss;
    return new ValidationCurve(samples, s, l);
  }
}
