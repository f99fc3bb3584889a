package org.evomoe.examples.bench;

import java.util.Objects;
import org.evomoe.examples.study.ValidationCurve;

/**
 * One training stage run by {@code bench regime} ({@link RegimeSweep}): an entry of the output's
 * {@code stages} (alignment, Stage I) and the shared Stage II of its evomoe router variants. The
 * Stage II and router variants ({@link Stage2VariantResult}, {@link RouterVariantResult}) carry
 * the same fields at their own top level, and give them as this record by {@code training()}.
 *
 * @param stage the stage's name ({@code StageConfig} name, e.g. {@code stage1-warmup})
 * @param seconds wall-clock seconds of its optimiser steps (time-dependent: differs run to run)
 * @param trainLosses training loss of each optimiser step, nats per supervised token plus the
 *     weighted MoE auxiliary losses where the stage routes [steps]
 * @param trainLossFirst20 mean of {@code trainLosses} over the first 20 steps (all, when fewer)
 * @param trainLossLast20 mean of {@code trainLosses} over the last 20 steps (all, when fewer)
 * @param validation the validation loss of the stage's task mix, nats per supervised token,
 *     before the first step, every {@code validationEvery} steps and after the last
 */
public record SweepStage(String stage, double seconds, double[] trainLosses,
    double trainLossFirst20, double trainLossLast20, ValidationCurve validation) {
  public SweepStage {
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(trainLosses, "trainLosses");
    Objects.requireNonNull(validation, "validation");
  }
}
