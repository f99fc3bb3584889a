package org.evomoe.tuning;

import java.util.Map;
import org.evomoe.evolution.EvolutionState;
import org.evomoe.optim.AdamWParameterState;

/**
 * Everything besides the model weights that a stage needs to resume exactly: the next step, the
 * optimiser's moments per parameter name, the evolution sampler, and the curves so far. The
 * learning rate is a function of the step, and the data order must be a function of (step,
 * micro-batch) for the resumed run to be bit-identical (see {@link MicroBatchStep}).
 *
 * @param stage stage name
 * @param nextStep the first step still to run
 * @param optimizer AdamW moments by parameter name (detached copies)
 * @param evolution evolution sampler state, or null for stages without evolution
 * @param losses losses of steps [0, nextStep)
 * @param learningRates learning rates of steps [0, nextStep)
 * @param gradNorms gradient norms of steps [0, nextStep)
 */
public record TrainerState(
    String stage,
    int nextStep,
    Map<String, AdamWParameterState> optimizer,
    EvolutionState evolution,
    double[] losses,
    double[] learningRates,
    double[] gradNorms) {
  public TrainerState {
    if (nextStep < 0 || losses.length != nextStep || learningRates.length != nextStep
        || gradNorms.length != nextStep) {
      throw new IllegalArgumentException("trainer state of stage " + stage + " at step " + nextStep
          + " must carry " + nextStep + " curve entries");
    }
    optimizer = Map.copyOf(optimizer);
  }
}
