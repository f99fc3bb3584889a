package org.evomoe.evolution;

/**
 * How an evolved expert {@code theta_n} moves after each optimiser step on the seed expert {@code
 * theta_1}, with {@code beta} drawn for that expert at that step. The paper's printed equation is
 * ambiguous (it mixes a weight with a gradient); these are the three readings the project offers.
 */
public enum EvolutionRule {
  /**
   * {@code theta_n <- theta_n + (1 - beta) * delta_1}, where {@code delta_1 = theta_1(after step)
   * - theta_1(before step)} is the optimiser's update to the seed (weight decay included). Each
   * evolved expert takes a {@code (1 - beta)} share of the seed's learning: a larger beta keeps
   * more of the prior expert. The project's default.
   */
  PARTIAL_UPDATE,

  /** {@code theta_n <- beta * theta_n + (1 - beta) * theta_1(after step)}: an exponential moving average of the seed. */
  EMA,

  /**
   * {@code theta_n <- beta * theta_1(after step) + (1 - beta) * g_1}, with {@code g_1} the raw
   * gradient of the seed in this step, as the equation is printed in the paper: the gradient the
   * backward pass produced (averaged over the step's micro-batches), neither clipped nor scaled by
   * the learning rate. {@link ExpertEvolution#beforeStep()} copies it, so call it before gradient
   * clipping ({@link org.evomoe.tuning.StageTrainer} does).
   */
  LITERAL
}
