package org.evomoe.router;

/**
 * How the DTR evaluates a_t = Theta_down,t z_t, where Theta_t = W2 hidden_t + b2 is the
 * hypernetwork output of token t. Both orders compute the same numbers (up to rounding) with the
 * same multiply-add count for the down projection; they differ in memory traffic.
 */
public enum ThetaContraction {
  /**
   * Contract z with W2 first: Q = z M with M [d, 2r (h + 1)] a re-arrangement of W2's and b2's
   * Theta_down rows (one gemm, output [T, 2r (h + 1)]), then a_t[j] = sum_k Q_t[j, k] hidden_t[k]
   * per token. Never builds the [T, 2r d] weights. The default (measured faster; docs/routers.md).
   */
  CONTRACTED,
  /**
   * Build every token's generated weights: Theta = [hidden, 1] [W2 | b2]^T, one gemm with output
   * [T, 2r d + m r], then a_t = Theta_down,t z_t per token. Kept as a reference and for measurement.
   */
  MATERIALISED
}
