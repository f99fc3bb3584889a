package org.evomoe.examples.pipeline;

import java.nio.file.Path;

/**
 * Everything the demo pipeline needs; {@link #defaults(boolean)} gives the sizes that fit the
 * time budgets on 2 CPU cores (about 10 minutes, or 2 with {@code quick}).
 *
 * @param quick the short variant
 * @param seed seed of data, weights and batch order
 * @param out output folder
 * @param dataDir Fashion-MNIST folder, or null for the embedded subset
 * @param batchSize sequences per step
 * @param alignSteps projector alignment steps (captions)
 * @param stage1Steps Stage I (dense warm-up) steps
 * @param stage2Steps Stage II (evolution) steps; the other arms get stage2Steps + stage3Steps
 * @param stage3Steps Stage III (router) steps
 * @param lr peak learning rate of alignment and Stage I
 * @param lrAfter peak learning rate of every arm after Stage I
 * @param dModel decoder width
 * @param layers decoder layers (MoE on 0, 2, ...)
 * @param heads attention heads
 * @param kvHeads key/value heads (grouped-query when fewer than heads)
 * @param ffnHidden SwiGLU hidden width (also each expert's)
 * @param experts experts per MoE layer
 * @param dVision vision encoder width
 * @param patch vision patch size (the 56 x 56 canvas gives (56 / patch)^2 image tokens)
 * @param evalSamples test samples scored per arm (0: all)
 * @param diagnosticSamples test samples used for the routing diagnostics and metric re-runs
 * @param validationSamples training samples held out of training for the validation loss curve
 *     (0: no validation)
 * @param validationEvery steps between two validation-loss measurements in every stage (also
 *     measured before the first and after the last step)
 */
public record DemoSettings(
    boolean quick,
    long seed,
    Path out,
    Path dataDir,
    int batchSize,
    int alignSteps,
    int stage1Steps,
    int stage2Steps,
    int stage3Steps,
    double lr,
    double lrAfter,
    int dModel,
    int layers,
    int heads,
    int kvHeads,
    int ffnHidden,
    int experts,
    int dVision,
    int patch,
    int evalSamples,
    int diagnosticSamples,
    int validationSamples,
    int validationEvery) {
  public DemoSettings {
    if (batchSize < 1 || alignSteps < 0 || stage1Steps < 1 || stage2Steps < 1 || stage3Steps < 1) {
      throw new IllegalArgumentException("batch size and stage steps must be positive (alignment >= 0)");
    }
    if (!(lr > 0) || !(lrAfter > 0)) {
      throw new IllegalArgumentException("learning rates must be positive, got " + lr + ", " + lrAfter);
    }
    if (experts < 2) {
      throw new IllegalArgumentException("experts must be >= 2, got " + experts);
    }
    if (56 % patch != 0) {
      throw new IllegalArgumentException("patch must divide 56, got " + patch);
    }
    if (validationSamples < 0 || validationEvery < 1) {
      throw new IllegalArgumentException("validationSamples must be >= 0 and validationEvery >= 1,"
          + " got " + validationSamples + ", " + validationEvery);
    }
  }

  public static DemoSettings defaults(boolean quick) {
    return quick
        ? new DemoSettings(true, 1, Path.of("runs/demo-quick"), null, 32, 30, 150, 60, 60,
            3e-3, 1e-3, 48, 4, 4, 2, 128, 4, 32, 14, 400, 160, 256, 25)
        : new DemoSettings(false, 1, Path.of("runs/demo"), null, 32, 100, 700, 250, 250,
            3e-3, 1e-3, 64, 4, 4, 2, 176, 4, 48, 14, 0, 300, 256, 50);
  }

  public DemoSettings withOut(Path dir) {
    return new DemoSettings(quick, seed, dir, dataDir, batchSize, alignSteps, stage1Steps,
        stage2Steps, stage3Steps, lr, lrAfter, dModel, layers, heads, kvHeads, ffnHidden, experts,
        dVision, patch, evalSamples, diagnosticSamples, validationSamples, validationEvery);
  }

  public DemoSettings withSeed(long s) {
    return new DemoSettings(quick, s, out, dataDir, batchSize, alignSteps, stage1Steps,
        stage2Steps, stage3Steps, lr, lrAfter, dModel, layers, heads, kvHeads, ffnHidden, experts,
        dVision, patch, evalSamples, diagnosticSamples, validationSamples, validationEvery);
  }

  public DemoSettings withDataDir(Path dir) {
    return new DemoSettings(quick, seed, out, dir, batchSize, alignSteps, stage1Steps,
        stage2Steps, stage3Steps, lr, lrAfter, dModel, layers, heads, kvHeads, ffnHidden, experts,
        dVision, patch, evalSamples, diagnosticSamples, validationSamples, validationEvery);
  }

  public DemoSettings withSteps(int align, int s1, int s2, int s3) {
    return new DemoSettings(quick, seed, out, dataDir, batchSize, align, s1, s2, s3, lr, lrAfter,
        dModel, layers, heads, kvHeads, ffnHidden, experts, dVision, patch, evalSamples,
        diagnosticSamples, validationSamples, validationEvery);
  }
}
