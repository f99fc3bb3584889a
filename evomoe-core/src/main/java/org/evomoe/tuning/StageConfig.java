package org.evomoe.tuning;

import java.util.EnumSet;
import java.util.Set;
import org.evomoe.evolution.EvolutionConfig;
import org.evomoe.moe.RoutingConfig;

/**
 * One training stage: what trains, how the MoE layers route, whether experts evolve, and the
 * optimisation. Everything whose role is not in {@code trains} is frozen for the stage: it gets no
 * gradient buffer and no optimiser state, and its values do not change.
 *
 * @param name shown in logs and results
 * @param trains the parameter roles that train
 * @param routing whether MoE layers run seed-only or routed with their own routing
 * @param requiredRouting null, or the routing every MoE layer must already have for a routed stage:
 *     the trainer refuses to start (naming the layer and both routings) when a layer differs. The
 *     stage never sets it; it only checks
 * @param evolution non-null: expert evolution after every optimiser step (requires {@code trains}
 *     to be exactly {EXPERT_SEED}); the evolved experts start the stage as copies of the seed
 * @param optim optimiser, schedule, clipping, accumulation
 */
public record StageConfig(
    String name,
    Set<ParameterRole> trains,
    StageRouting routing,
    RoutingConfig requiredRouting,
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
    if (requiredRouting != null && routing != StageRouting.ROUTED) {
      throw new IllegalArgumentException(
          "stage " + name + " requires a routing but runs the layers seed-only");
    }
    if (trains.contains(ParameterRole.ROUTER) && routing == StageRouting.SEED_ONLY) {
      throw new IllegalArgumentException(
          "stage " + name + " trains the router but bypasses it (seed-only routing)");
    }
  }

  /** A stage without a required routing. */
  public StageConfig(String name, Set<ParameterRole> trains, StageRouting routing,
      EvolutionConfig evolution, OptimSettings optim) {
    this(name, trains, routing, null, evolution, optim);
  }

  /** This stage, refusing to start unless every MoE layer routes exactly with {@code r}. */
  public StageConfig requiring(RoutingConfig r) {
    return new StageConfig(name, trains, routing, r, evolution, optim);
  }
}
