package org.evomoe.optim;

import java.util.List;
import java.util.Objects;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Clipping by global gradient norm, as {@code torch.nn.utils.clip_grad_norm_} (L2 norm).
 *
 * <p>The global norm is {@code sqrt(sum over parameters of sum(g^2))}, taken over the trainable
 * parameters that have a gradient buffer (frozen ones have none and are skipped). When it exceeds
 * {@code maxNorm}, every gradient is scaled in place by {@code maxNorm / (norm + 1e-6)} (PyTorch's
 * guard), which leaves the global norm just under {@code maxNorm}; otherwise nothing changes. A
 * non-finite norm (overflow, NaN) leaves the gradients unchanged and is returned so the caller
 * can skip the step. The norm is a sum in double in a fixed order, so it is the same whatever
 * thread counts are in force.
 */
public final class GradientClipping {
  /** Added to the norm in the scale factor, as PyTorch does. */
  public static final double NORM_GUARD = 1e-6;

  private GradientClipping() {}

  /**
   * Global L2 norm of the gradients, accumulated in double.
   *
   * @param parameters parameters whose gradients count (frozen or gradient-less ones add 0)
   */
  public static double globalNorm(List<Parameter> parameters) {
    Objects.requireNonNull(parameters, "parameters");
    double sumOfSquares = 0;
    for (Parameter p : parameters) {
      if (!p.trainable() || !p.hasGrad()) {
        continue;
      }
      INDArray g = p.grad();
      if (g.isEmpty()) {
        continue;
      }
      if (HostBuffers.usable(g)) {
        sumOfSquares += HostBuffers.sumOfSquares(g);
      } else {
        // Not ND4J's norm2: its float reductions split by ND4J's start-up thread ceiling, so the
        // norm (and the clipping) would depend on OMP_NUM_THREADS rather than on Threads.
        for (double x : g.castTo(DataType.DOUBLE).dup('c').data().asDouble()) {
          sumOfSquares += x * x;
        }
      }
    }
    return Math.sqrt(sumOfSquares);
  }

  /**
   * Scales the gradients in place so their global norm is at most {@code maxNorm}.
   *
   * @param maxNorm the largest allowed global norm, finite and {@code > 0}
   * @return the global norm before clipping
   * @throws IllegalArgumentException if {@code maxNorm} is not finite and positive
   */
  public static double clipByGlobalNorm(List<Parameter> parameters, double maxNorm) {
    if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
      throw new IllegalArgumentException(
          "gradient clipping maxNorm must be finite and > 0, got " + maxNorm);
    }
    double norm = globalNorm(parameters);
    if (Double.isFinite(norm) && norm > maxNorm) {
      double scale = maxNorm / (norm + NORM_GUARD);
      for (Parameter p : parameters) {
        if (p.trainable() && p.hasGrad()) {
          INDArray g = p.grad();
          if (g.isEmpty()) {
            continue;
          }
          if (HostBuffers.usable(g)) {
            HostBuffers.scale(g, scale); // one ND4J dispatch per parameter saved
          } else {
            g.muli(scale);
          }
        }
      }
    }
    return norm;
  }
}
