package org.evomoe.examples.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.evomoe.examples.pipeline.TaskMix;
import org.evomoe.examples.study.ValidationCurve;

/**
 * One Stage II variant of {@code bench regime} ({@link RegimeSweep}), an entry of the output's
 * {@code stage2}: the stage it trained from the Stage I weights, the paired change of the
 * validation loss it caused, and for evolution variants how far the evolved experts moved from the
 * seed. Every loss is the seed alone (every MoE layer running expert 0, as the stage trains), in
 * nats per supervised token; every change is after minus before, token-weighted, with the standard
 * error of the mean paired per-sample difference ({@code RegimeSweep.pairedChange}).
 *
 * @param lr the variant's peak learning rate
 * @param steps the variant's optimiser steps
 * @param variant {@code evolution} or {@code dense-continued} ({@link RegimeSweepConfig.Stage2Variant})
 * @param tasks the task mix it trained and is validated on
 * @param stage see {@link SweepStage}
 * @param seconds see {@link SweepStage}; wall-clock seconds
 * @param trainLosses see {@link SweepStage} [steps]
 * @param trainLossFirst20 see {@link SweepStage}
 * @param trainLossLast20 see {@link SweepStage}
 * @param validation see {@link SweepStage}: on {@code tasks}
 * @param validationSamples validation samples of {@code tasks}
 * @param validationBefore validation loss on {@code tasks} with the Stage I weights
 * @param validationAfter the same after the variant
 * @param validationChange {@code validationAfter - validationBefore}, paired per sample
 * @param validationChangeStdError its standard error
 * @param stage1MixValidationSamples validation samples of Stage I's task mix
 * @param stage1MixValidationChange the paired change on Stage I's task mix
 * @param stage1MixValidationChangeStdError its standard error
 * @param validationChangeByTask per task (keyed by task name, in task order) of all validation
 *     samples, for tasks with at least 2 samples
 * @param weights per MoE layer, the weight distances of each expert from the seed; null (and left
 *     out of the JSON) for {@code dense-continued}
 * @param function each expert alone against the seed; null (and left out) for {@code
 *     dense-continued}
 */
public record Stage2VariantResult(
    double lr,
    int steps,
    String variant,
    TaskMix tasks,
    String stage,
    double seconds,
    double[] trainLosses,
    double trainLossFirst20,
    double trainLossLast20,
    ValidationCurve validation,
    int validationSamples,
    double validationBefore,
    double validationAfter,
    double validationChange,
    double validationChangeStdError,
    int stage1MixValidationSamples,
    double stage1MixValidationChange,
    double stage1MixValidationChangeStdError,
    Map<String, TaskChange> validationChangeByTask,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<LayerWeights> weights,
    @JsonInclude(JsonInclude.Include.NON_NULL) ExpertFunction function) {
  public Stage2VariantResult {
    Objects.requireNonNull(variant, "variant");
    Objects.requireNonNull(tasks, "tasks");
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(trainLosses, "trainLosses");
    Objects.requireNonNull(validation, "validation");
    validationChangeByTask = Collections.unmodifiableMap(new LinkedHashMap<>(
        Objects.requireNonNull(validationChangeByTask, "validationChangeByTask")));
    weights = weights == null ? null : List.copyOf(weights);
    if ((weights == null) != (function == null)) {
      throw new IllegalArgumentException("a stage2 variant has both weights and function (evolution)"
          + " or neither (dense-continued)");
    }
  }

  /**
   * A variant trained by {@code training}, with its changes and divergence.
   *
   * @param weights null for {@code dense-continued}
   * @param function null for {@code dense-continued}
   */
  static Stage2VariantResult of(double lr, int steps, String variant, TaskMix tasks,
      SweepStage training, int validationSamples, double validationBefore, double validationAfter,
      double[] change, int stage1MixValidationSamples, double[] stage1MixChange,
      Map<String, TaskChange> validationChangeByTask, List<LayerWeights> weights,
      ExpertFunction function) {
    return new Stage2VariantResult(lr, steps, variant, tasks, training.stage(), training.seconds(),
        training.trainLosses(), training.trainLossFirst20(), training.trainLossLast20(),
        training.validation(), validationSamples, validationBefore, validationAfter, change[0],
        change[1], stage1MixValidationSamples, stage1MixChange[0], stage1MixChange[1],
        validationChangeByTask, weights, function);
  }

  /** The stage the variant trained. */
  public SweepStage training() {
    return new SweepStage(stage, seconds, trainLosses, trainLossFirst20, trainLossLast20,
        validation);
  }

  /**
   * The validation loss of one task's samples before and after the variant.
   *
   * @param samples validation samples of the task (at least 2)
   * @param before token-weighted loss with the Stage I weights
   * @param after the same after the variant
   * @param change {@code after - before}, paired per sample
   * @param changeStdError its standard error
   */
  public record TaskChange(int samples, double before, double after, double change,
      double changeStdError) {
    public TaskChange {
      if (samples < 2) {
        throw new IllegalArgumentException("a task change needs at least 2 samples, got " + samples);
      }
    }
  }

  /**
   * Weight distances of one MoE layer's experts (each flattened: gate, up, down) from the seed,
   * expert 0.
   *
   * @param cosineToSeed cosine of each expert with the seed [experts] (1 for the seed)
   * @param relativeDistanceToSeed {@code |theta_e - theta_0| / |theta_0|} [experts] (0 for the
   *     seed)
   * @param meanOffDiagonalCosine mean cosine over all ordered pairs of distinct experts
   */
  public record LayerWeights(double[] cosineToSeed, double[] relativeDistanceToSeed,
      double meanOffDiagonalCosine) {
    public LayerWeights {
      if (cosineToSeed.length != relativeDistanceToSeed.length) {
        throw new IllegalArgumentException("cosineToSeed has " + cosineToSeed.length
            + " experts, relativeDistanceToSeed " + relativeDistanceToSeed.length);
      }
    }
  }

  /**
   * Each expert alone (every MoE layer running it) against the seed, on the validation samples of
   * the variant's task mix.
   *
   * @param standaloneValidationLoss its validation loss, nats per supervised token [experts]
   * @param totalVariationToSeed mean over supervised positions of the total-variation distance
   *     between its next-token distribution and the seed's, in [0, 1] [experts]
   * @param argmaxAgreementWithSeed share of supervised positions where its most likely next token
   *     is the seed's, in [0, 1] up to rounding [experts]
   * @param positions supervised positions compared
   */
  public record ExpertFunction(double[] standaloneValidationLoss, double[] totalVariationToSeed,
      double[] argmaxAgreementWithSeed, int positions) {
    public ExpertFunction {
      int e = standaloneValidationLoss.length;
      if (totalVariationToSeed.length != e || argmaxAgreementWithSeed.length != e) {
        throw new IllegalArgumentException("expert function arrays differ in length: "
            + e + ", " + totalVariationToSeed.length + ", " + argmaxAgreementWithSeed.length);
      }
    }
  }
}
