package org.evomoe.evolution;

import java.util.Objects;

/**
 * What a checkpoint needs to resume expert evolution exactly (the evolved experts' weights are
 * saved with the model's parameters).
 *
 * @param rule the rule in use, recorded so that a resume with another rule is refused
 * @param steps evolution steps taken, {@code >= 0}
 * @param rngState the beta sampler's state
 * @param lastBetas the betas drawn at the last step, one per evolved expert (experts 2..N); NaN
 *     before the first step
 */
public record EvolutionState(EvolutionRule rule, long steps, long rngState, double[] lastBetas) {

  public EvolutionState {
    Objects.requireNonNull(rule, "evolution rule");
    Objects.requireNonNull(lastBetas, "last betas");
    if (steps < 0) {
      throw new IllegalArgumentException("evolution steps must be >= 0, got " + steps);
    }
    lastBetas = lastBetas.clone();
  }

  /** A copy of the betas drawn at the last step. */
  @Override
  public double[] lastBetas() {
    return lastBetas.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EvolutionState s
        && rule == s.rule
        && steps == s.steps
        && rngState == s.rngState
        && java.util.Arrays.equals(lastBetas, s.lastBetas);
  }

  @Override
  public int hashCode() {
    return Objects.hash(rule, steps, rngState, java.util.Arrays.hashCode(lastBetas));
  }

  @Override
  public String toString() {
    return "EvolutionState[rule="
        + rule
        + ", steps="
        + steps
        + ", rngState="
        + rngState
        + ", lastBetas="
        + java.util.Arrays.toString(lastBetas)
        + "]";
  }
}
