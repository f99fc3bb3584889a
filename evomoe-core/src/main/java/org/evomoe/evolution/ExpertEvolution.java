package org.evomoe.evolution;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Expert evolution (EvoMoE Stage II): evolved experts {@code theta_2..theta_N} follow the trainable
 * seed expert {@code theta_1} by an {@link EvolutionRule}, never by backpropagation.
 *
 * <p>An expert is a list of parameters (for a SwiGLU FFN: gate, up and down projection weights);
 * every evolved expert lists parameters of the same shapes and data types in the same order as the
 * seed. Only the seed is trainable; evolved parameters must be frozen, so they have no gradient
 * buffer and an optimiser creates no state for them.
 *
 * <p>Use around every optimiser step:
 *
 * <pre>
 *   evolution.beforeStep();   // PARTIAL_UPDATE: snapshots theta_1; LITERAL: copies g_1 (raw)
 *   clipping(...);            // optional: after beforeStep, so LITERAL's g_1 stays unclipped
 *   optimizer.step();         // any optimiser; it may clear the gradients
 *   evolution.afterStep();    // draws the betas, moves theta_2..theta_N
 * </pre>
 *
 * <p>The optimiser's update to the seed, {@code delta_1}, is obtained as {@code theta_1(after) -
 * snapshot}, so the optimiser need not report it and weight decay is included. At each step one
 * beta per evolved expert is drawn uniformly from its {@link BetaRange}, in expert order, from a
 * {@link SplitMix64} stream; that beta is shared by all parameters of the expert. To share betas
 * across MoE layers, pass the seed FFNs of all layers as one list (and each evolved expert's
 * parameters of all layers in the same order); one instance per layer draws betas per layer.
 *
 * <p>Cost per step: one copy of the seed (PARTIAL_UPDATE, LITERAL) plus two or three ND4J ops per
 * parameter and evolved expert; the snapshot buffers persist (one seed-sized copy), and one
 * parameter-sized temporary is allocated and closed per parameter.
 *
 * <p>Not thread-safe. {@link #close()} frees the snapshot buffers.
 */
public final class ExpertEvolution implements AutoCloseable {
  private final EvolutionConfig config;
  private final List<Parameter> seed;
  private final List<List<Parameter>> evolved;
  private final SplitMix64 rng;
  private final INDArray[] snapshot; // per seed parameter; null for EMA
  private final double[] lastBetas;
  private long steps;
  private boolean inStep;
  private boolean closed;

  /**
   * @param config rule, one beta range per evolved expert, sampler seed
   * @param seed the seed expert's parameters {@code theta_1}, all trainable
   * @param evolved the evolved experts 2..N, each a list matching {@code seed} in length, shapes
   *     and data types, all parameters frozen
   * @throws IllegalArgumentException on a count, shape or data-type mismatch, or a parameter shared
   *     between experts
   * @throws IllegalStateException if a seed parameter is frozen or an evolved one trainable
   */
  public ExpertEvolution(
      EvolutionConfig config, List<Parameter> seed, List<List<Parameter>> evolved) {
    this.config = Objects.requireNonNull(config, "evolution config");
    Objects.requireNonNull(seed, "seed expert parameters");
    Objects.requireNonNull(evolved, "evolved expert parameters");
    if (seed.isEmpty()) {
      throw new IllegalArgumentException("the seed expert has no parameters");
    }
    if (evolved.size() != config.numExperts() - 1) {
      throw new IllegalArgumentException(
          "the config has beta ranges for "
              + (config.numExperts() - 1)
              + " evolved experts (N = "
              + config.numExperts()
              + ") but "
              + evolved.size()
              + " evolved experts were given");
    }
    Map<Object, String> seen = new IdentityHashMap<>();
    for (Parameter p : seed) {
      Objects.requireNonNull(p, "seed expert parameter");
      if (!p.trainable()) {
        throw new IllegalStateException(
            "seed expert parameter " + p.name() + " is frozen; the seed expert must be trainable");
      }
      claim(seen, p, "seed expert");
    }
    List<List<Parameter>> copies = new ArrayList<>();
    for (int e = 0; e < evolved.size(); e++) {
      int expert = e + 2;
      List<Parameter> ps = Objects.requireNonNull(evolved.get(e), "parameters of expert " + expert);
      if (ps.size() != seed.size()) {
        throw new IllegalArgumentException(
            "evolved expert "
                + expert
                + " has "
                + ps.size()
                + " parameters but the seed expert has "
                + seed.size());
      }
      for (int i = 0; i < ps.size(); i++) {
        Parameter p = Objects.requireNonNull(ps.get(i), "parameter " + i + " of expert " + expert);
        Parameter s = seed.get(i);
        if (!Arrays.equals(p.value().shape(), s.value().shape())
            || p.value().dataType() != s.value().dataType()) {
          throw new IllegalArgumentException(
              "evolved expert "
                  + expert
                  + " parameter "
                  + p.name()
                  + " is "
                  + Arrays.toString(p.value().shape())
                  + " "
                  + p.value().dataType()
                  + " but seed parameter "
                  + s.name()
                  + " at the same position is "
                  + Arrays.toString(s.value().shape())
                  + " "
                  + s.value().dataType());
        }
        claim(seen, p, "evolved expert " + expert);
      }
      copies.add(List.copyOf(ps));
    }
    this.seed = List.copyOf(seed);
    this.evolved = List.copyOf(copies);
    checkEvolvedFrozen();
    this.rng = new SplitMix64(config.seed());
    this.lastBetas = new double[evolved.size()];
    Arrays.fill(lastBetas, Double.NaN);
    this.snapshot = new INDArray[seed.size()];
    if (config.rule() != EvolutionRule.EMA) {
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        for (int i = 0; i < seed.size(); i++) {
          INDArray v = seed.get(i).value();
          snapshot[i] = Nd4j.createUninitialized(v.dataType(), v.shape());
        }
      }
    }
  }

  private static void claim(Map<Object, String> seen, Parameter p, String owner) {
    String before = seen.put(p, owner);
    if (before == null) {
      before = seen.put(p.value(), owner);
    }
    if (before != null) {
      throw new IllegalArgumentException(
          "parameter " + p.name() + " of " + owner + " is also used by " + before
              + "; every expert needs its own tensors");
    }
  }

  private void checkEvolvedFrozen() {
    for (int e = 0; e < evolved.size(); e++) {
      for (Parameter p : evolved.get(e)) {
        if (p.trainable()) {
          throw new IllegalStateException(
              "evolved expert "
                  + (e + 2)
                  + " parameter "
                  + p.name()
                  + " is trainable; evolved experts must be frozen (they move only by evolution)");
        }
      }
    }
  }

  public EvolutionConfig config() {
    return config;
  }

  /** Evolution steps taken (completed {@link #afterStep()} calls). */
  public long steps() {
    return steps;
  }

  /** The betas drawn at the last step, for experts 2..N; NaN before the first step. */
  public double[] lastBetas() {
    return lastBetas.clone();
  }

  /** Sets every evolved expert to a copy of the seed (the start of Stage II). */
  public void copySeedIntoEvolved() {
    checkOpen();
    for (List<Parameter> expert : evolved) {
      for (int i = 0; i < seed.size(); i++) {
        expert.get(i).value().assign(seed.get(i).value());
      }
    }
  }

  /**
   * Call before the optimiser step, and before any gradient clipping: records what the rule needs
   * from before the step ({@code theta_1} for PARTIAL_UPDATE, the raw gradient {@code g_1} for
   * LITERAL; a trainable seed parameter without a gradient buffer counts as a zero gradient).
   *
   * @throws IllegalStateException if called twice without {@link #afterStep()}, after {@link
   *     #close()}, or if an evolved parameter has become trainable
   */
  public void beforeStep() {
    checkOpen();
    if (inStep) {
      throw new IllegalStateException("beforeStep() called twice without afterStep()");
    }
    checkEvolvedFrozen();
    switch (config.rule()) {
      case PARTIAL_UPDATE -> {
        for (int i = 0; i < seed.size(); i++) {
          snapshot[i].assign(seed.get(i).value());
        }
      }
      case LITERAL -> {
        for (int i = 0; i < seed.size(); i++) {
          Parameter p = seed.get(i);
          if (p.trainable() && p.hasGrad()) {
            snapshot[i].assign(p.grad());
          } else {
            snapshot[i].assign(0);
          }
        }
      }
      case EMA -> {
        // Needs only theta_1 after the step.
      }
    }
    inStep = true;
  }

  /**
   * Call right after the optimiser step: draws one beta per evolved expert and moves every evolved
   * expert by the rule.
   *
   * @throws IllegalStateException if {@link #beforeStep()} was not called first
   */
  public void afterStep() {
    checkOpen();
    if (!inStep) {
      throw new IllegalStateException("afterStep() called without beforeStep()");
    }
    List<BetaRange> ranges = config.ranges();
    for (int e = 0; e < lastBetas.length; e++) {
      lastBetas[e] = ranges.get(e).at(rng.nextDouble());
    }
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      for (int i = 0; i < seed.size(); i++) {
        INDArray theta1 = seed.get(i).value();
        try (INDArray scaled = Nd4j.createUninitialized(theta1.dataType(), theta1.shape())) {
          switch (config.rule()) {
            case PARTIAL_UPDATE -> {
              INDArray delta = snapshot[i].rsubi(theta1); // theta_1(after) - theta_1(before)
              for (int e = 0; e < lastBetas.length; e++) {
                delta.mul(1.0 - lastBetas[e], scaled);
                evolved.get(e).get(i).value().addi(scaled);
              }
            }
            case EMA -> {
              for (int e = 0; e < lastBetas.length; e++) {
                theta1.mul(1.0 - lastBetas[e], scaled);
                evolved.get(e).get(i).value().muli(lastBetas[e]).addi(scaled);
              }
            }
            case LITERAL -> {
              INDArray grad = snapshot[i];
              for (int e = 0; e < lastBetas.length; e++) {
                INDArray thetaN = evolved.get(e).get(i).value();
                grad.mul(1.0 - lastBetas[e], scaled);
                theta1.mul(lastBetas[e], thetaN);
                thetaN.addi(scaled);
              }
            }
          }
        }
      }
    }
    steps++;
    inStep = false;
  }

  /** The state a checkpoint needs to resume bit-identically. */
  public EvolutionState exportState() {
    return new EvolutionState(config.rule(), steps, rng.state(), lastBetas);
  }

  /**
   * Restores a state from {@link #exportState()}; the evolved experts' weights are restored with
   * the model's parameters.
   *
   * @throws IllegalArgumentException if the rule or the number of experts differs from this
   *     instance's configuration
   * @throws IllegalStateException between {@link #beforeStep()} and {@link #afterStep()}
   */
  public void restoreState(EvolutionState state) {
    checkOpen();
    Objects.requireNonNull(state, "evolution state");
    if (inStep) {
      throw new IllegalStateException("cannot restore evolution state between beforeStep() and afterStep()");
    }
    if (state.rule() != config.rule()) {
      throw new IllegalArgumentException(
          "evolution state was saved with rule " + state.rule() + " but this run uses " + config.rule());
    }
    double[] betas = state.lastBetas();
    if (betas.length != lastBetas.length) {
      throw new IllegalArgumentException(
          "evolution state has betas for "
              + betas.length
              + " evolved experts but this run has "
              + lastBetas.length);
    }
    rng.setState(state.rngState());
    steps = state.steps();
    System.arraycopy(betas, 0, lastBetas, 0, betas.length);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("expert evolution was closed");
    }
  }

  /** Frees the snapshot buffers; the instance cannot be used afterwards. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (INDArray s : snapshot) {
      if (s != null) {
        s.close();
      }
    }
  }
}
