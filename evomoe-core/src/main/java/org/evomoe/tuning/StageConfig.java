package org.evomoe.tuning;

import java.util.EnumSet;
import java.util.Set;
import org.evomoe.evolution.EvolutionConfig;

/**
 * One training stage: what trains, how the MoE layers route, whether experts evolve, and the
 * optimisation. Everything whose role is not in {@code trains} is frozen for the stage: it gets no
 * gradient buffer and no optimiser state, and its values do not change.
 *
 * @param name shown in logs and results
 * @param trains the parameter roles that train
 * @param routing how MoE layers run
 * @param evolution non-null: expert evolution after every optimiser step (requires {@code trains}
 *     to be exactly {EXPERT_SEED}); the evolved experts start the stage as copies of the seed
 * @param optim optimiser, schedule, clipping, accumulation
 */
public record StageConfig(
    String name,
    Set<ParameterRole> trains,
    StageRouting routing,
    EvolutionConfig evolution,
    OptimSettings optim) {
  public StageConfig {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("stage name must be non-empty");
    }
    if (trains == null || trains.isEmpty()) {
      throw new IllegalArgumentException("stage " + name + " trains nothing");
    }
    trains = Set.copyOf(EnumSet.copyOf(trains));
    if (routing == null || optim == null) {
      throw new IllegalArgumentException("stage " + name + " needs routing and optim settings");
    }
    if (evolution != null && !trains.equals(Set.of(ParameterRole.EXPERT_SEED))) {
      throw new IllegalArgumentException(
          "stage " + name + ": expert evolution trains only EXPERT_SEED, got " + trains);
    }
    if (trains.contains(ParameterRole.ROUTER) && routing.seedOnly()) {
      throw new IllegalArgumentException(
          "stage " + name + " trains the router but bypasses it (seed-only routing)");
    }
  }
}
