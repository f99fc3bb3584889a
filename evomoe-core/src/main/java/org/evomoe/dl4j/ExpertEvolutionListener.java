package org.evomoe.dl4j;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.evomoe.evolution.EvolutionState;
import org.evomoe.evolution.ExpertEvolution;
import org.evomoe.moe.MoeLayer;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.tensor.Parameter;

/**
 * Expert evolution (EvoMoE Stage II) while DL4J's {@code fit} runs: after every optimiser step,
 * the experts 1..E-1 of each MoE layer in phase {@link MoeTrainingPhase#EVOLUTION} move by the
 * layer's {@link org.evomoe.evolution.EvolutionConfig} rule (core {@link ExpertEvolution}); only
 * the seed expert 0 trains, the others have DL4J's NoOp updater.
 *
 * <p>DL4J calls {@code onGradientCalculation} after backpropagation and before the updater runs
 * (the listener records the seed, or its raw gradient for the LITERAL rule) and {@code
 * iterationDone} after the parameters were updated (the listener moves the evolved experts). One
 * {@link ExpertEvolution} per layer: each layer draws its own betas from its config's seed.
 *
 * <p>The listener binds to the first model it sees; use one listener per network. Its beta streams
 * are not part of a ModelSerializer file: to resume an interrupted Stage II bit-identically, save
 * {@link #states()} and give them to {@link #restoreStates} before fitting again.
 */
public final class ExpertEvolutionListener extends BaseTrainingListener implements AutoCloseable {
  private Model model;
  // Parallel lists (DL4J layers hash their arrays, so no hash map by layer).
  private final List<MoeFfnLayerImpl> layers = new ArrayList<>();
  private final List<ExpertEvolution> evolutions = new ArrayList<>();
  private boolean inStep;

  private void bind(Model m) {
    if (model == m) {
      return;
    }
    if (model != null) {
      throw new IllegalStateException("an ExpertEvolutionListener serves one network");
    }
    model = m;
    for (MoeFfnLayerImpl layer : MoeFfnLayers.of(m)) {
      MoeFfnLayer conf = layer.layerConf();
      if (conf.getPhase() != MoeTrainingPhase.EVOLUTION) {
        continue;
      }
      MoeLayer core = layer.core();
      List<SwiGluFfn> experts = core.experts();
      List<List<Parameter>> evolved = new ArrayList<>();
      for (int e = 1; e < experts.size(); e++) {
        evolved.add(experts.get(e).parameters());
      }
      layers.add(layer);
      evolutions.add(new ExpertEvolution(conf.getSpec().evolution(), experts.get(0).parameters(), evolved));
    }
    if (evolutions.isEmpty()) {
      throw new IllegalStateException(
          "the network has no MoE layer in phase EVOLUTION; expert evolution has nothing to move");
    }
  }

  @Override
  public void onGradientCalculation(Model m) {
    bind(m);
    for (ExpertEvolution ev : evolutions) {
      ev.beforeStep();
    }
    inStep = true;
  }

  @Override
  public void iterationDone(Model m, int iteration, int epoch) {
    if (!inStep) {
      return;
    }
    for (ExpertEvolution ev : evolutions) {
      ev.afterStep();
    }
    inStep = false;
  }

  /** Evolution steps taken (the same for every layer). */
  public long steps() {
    return evolutions.isEmpty() ? 0 : evolutions.get(0).steps();
  }

  /**
   * The betas of the last step of {@code layer}, for its experts 1..E-1 (the paper's experts
   * 2..N); NaN before the first step.
   *
   * @throws IllegalArgumentException if {@code layer} is not an evolving layer of the network
   */
  public double[] lastBetas(MoeFfnLayerImpl layer) {
    for (int i = 0; i < layers.size(); i++) {
      if (layers.get(i) == layer) {
        return evolutions.get(i).lastBetas();
      }
    }
    throw new IllegalArgumentException(
        "not an evolving MoE layer of this listener's network: layer " + layer.getIndex());
  }

  /** The beta-stream states of the evolving layers, in layer order (empty before the first step). */
  public List<EvolutionState> states() {
    List<EvolutionState> out = new ArrayList<>();
    for (ExpertEvolution ev : evolutions) {
      out.add(ev.exportState());
    }
    return out;
  }

  /**
   * Restores {@link #states()} of an earlier run on {@code net} (its evolving layers in the same
   * order), before {@code fit} continues.
   */
  public void restoreStates(Model net, List<EvolutionState> states) {
    bind(net);
    if (states.size() != evolutions.size()) {
      throw new IllegalArgumentException(
          states.size() + " evolution states for " + evolutions.size() + " evolving MoE layers");
    }
    int i = 0;
    for (ExpertEvolution ev : evolutions) {
      ev.restoreState(states.get(i++));
    }
  }

  /** Frees the evolution snapshots. */
  @Override
  public void close() {
    for (ExpertEvolution ev : evolutions) {
      ev.close();
    }
  }
}
