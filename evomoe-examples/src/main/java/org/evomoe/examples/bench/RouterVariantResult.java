package org.evomoe.examples.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;
import org.evomoe.examples.study.ValidationCurve;
import org.evomoe.moe.RoutingConfig;

/**
 * One router-training variant of {@code bench regime} ({@link RegimeSweep}), an entry of the
 * output's {@code router}: the routing it trained with, its router-training stage, and after it
 * the router's logit range, routing entropy, image/text separation and the scores.
 *
 * @param arm {@code evomoe} or {@code upcycled-dtr} ({@link RegimeSweepConfig.RouterVariant})
 * @param lr the variant's peak learning rate
 * @param routing the routing it trained with (the arm's, with the variant's z-loss weight)
 * @param stage2 the evomoe arms' shared Stage II, on the first evomoe variant only; null (and left
 *     out of the JSON) on the others
 * @param stage see {@link SweepStage}: Stage III (evomoe) or the upcycled MoE stage
 * @param seconds see {@link SweepStage}; wall-clock seconds
 * @param trainLosses see {@link SweepStage} [steps]
 * @param trainLossFirst20 see {@link SweepStage}
 * @param trainLossLast20 see {@link SweepStage}
 * @param validation see {@link SweepStage}: on the settings' armTasks, routed
 * @param logitMin smallest router logit over the MoE layers, modalities and experts of the
 *     diagnostic pass
 * @param logitMax largest
 * @param meanTokenEntropy per MoE layer, mean over tokens of the routing softmax's entropy, nats
 *     [MoE layers]
 * @param hardTotalVariation per MoE layer, total-variation distance between the image and the text
 *     tokens' top-1 expert shares, in [0, 1] [MoE layers]
 * @param softTotalVariation the same for the mean routing probabilities [MoE layers]
 * @param average mean in-template accuracy over the tasks, in [0, 1]
 * @param heldOutAverage mean held-out-wording accuracy over the tasks, in [0, 1]; NaN when not
 *     measured
 */
public record RouterVariantResult(
    String arm,
    double lr,
    RoutingConfig routing,
    @JsonInclude(JsonInclude.Include.NON_NULL) SweepStage stage2,
    String stage,
    double seconds,
    double[] trainLosses,
    double trainLossFirst20,
    double trainLossLast20,
    ValidationCurve validation,
    double logitMin,
    double logitMax,
    double[] meanTokenEntropy,
    double[] hardTotalVariation,
    double[] softTotalVariation,
    double average,
    double heldOutAverage) {
  public RouterVariantResult {
    Objects.requireNonNull(arm, "arm");
    Objects.requireNonNull(routing, "routing");
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(trainLosses, "trainLosses");
    Objects.requireNonNull(validation, "validation");
    int layers = meanTokenEntropy.length;
    if (hardTotalVariation.length != layers || softTotalVariation.length != layers) {
      throw new IllegalArgumentException("router variant's per-layer arrays differ in length: "
          + layers + ", " + hardTotalVariation.length + ", " + softTotalVariation.length);
    }
  }

  /** A variant whose router-training stage is {@code training}. */
  static RouterVariantResult of(String arm, double lr, RoutingConfig routing, SweepStage stage2,
      SweepStage training, double logitMin, double logitMax, double[] meanTokenEntropy,
      double[] hardTotalVariation, double[] softTotalVariation, double average,
      double heldOutAverage) {
    return new RouterVariantResult(arm, lr, routing, stage2, training.stage(), training.seconds(),
        training.trainLosses(), training.trainLossFirst20(), training.trainLossLast20(),
        training.validation(), logitMin, logitMax, meanTokenEntropy, hardTotalVariation,
        softTotalVariation, average, heldOutAverage);
  }

  /** The router-training stage. */
  public SweepStage training() {
    return new SweepStage(stage, seconds, trainLosses, trainLossFirst20, trainLossLast20,
        validation);
  }
}
