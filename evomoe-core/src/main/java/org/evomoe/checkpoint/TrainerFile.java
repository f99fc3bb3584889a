package org.evomoe.checkpoint;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.TreeMap;
import org.evomoe.evolution.EvolutionState;
import org.evomoe.tuning.TrainerState;

/**
 * The content of a training checkpoint's {@code trainer.json} (docs/checkpoint-format.md), bound by
 * Jackson: everything of a {@link TrainerState} but the AdamW moments, which are in {@code
 * optimizer.safetensors}.
 *
 * @param format {@link TrainingCheckpoint#FORMAT}
 * @param stage stage name
 * @param nextStep the first step still to run
 * @param optimizerSteps AdamW step count per parameter name, sorted by name
 * @param evolution the evolution sampler's state, or null (then absent from the file)
 * @param losses losses of steps [0, nextStep)
 * @param learningRates learning rates of steps [0, nextStep)
 * @param gradNorms gradient norms of steps [0, nextStep)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record TrainerFile(
    String format,
    String stage,
    @JsonProperty(required = true) int nextStep,
    Map<String, Long> optimizerSteps,
    EvolutionState evolution,
    double[] losses,
    double[] learningRates,
    double[] gradNorms) {

  /**
   * @throws IllegalArgumentException when the format is not {@link TrainingCheckpoint#FORMAT} or a
   *     field other than {@code evolution} is missing
   */
  TrainerFile {
    if (!TrainingCheckpoint.FORMAT.equals(format)) {
      throw new IllegalArgumentException(
          "format must be " + TrainingCheckpoint.FORMAT + ", got " + format);
    }
    require(stage, "stage");
    require(optimizerSteps, "optimizerSteps");
    require(losses, "losses");
    require(learningRates, "learningRates");
    require(gradNorms, "gradNorms");
    optimizerSteps = new TreeMap<>(optimizerSteps);
  }

  /** The file of {@code s}. */
  static TrainerFile of(TrainerState s) {
    Map<String, Long> steps = new TreeMap<>();
    s.optimizer().forEach((name, state) -> steps.put(name, state.step()));
    return new TrainerFile(TrainingCheckpoint.FORMAT, s.stage(), s.nextStep(), steps,
        s.evolution(), s.losses(), s.learningRates(), s.gradNorms());
  }

  private static void require(Object value, String field) {
    if (value == null) {
      throw new IllegalArgumentException("missing field " + field);
    }
  }
}
