package org.evomoe.examples.pipeline;

import java.nio.file.Path;
import org.evomoe.examples.data.instruct.InstructionTask;

/**
 * Everything the demo pipeline needs; {@link #defaults(boolean)} gives the regime chosen by the
 * measurements of docs/regime-sweep.md.
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
 * @param seeds number of seeds of a paired comparison: seeds {@code seed, seed + 1, ...,
 *     seed + seeds - 1}, each with its own data, Stage I and batch order
 * @param stage1Tasks the tasks Stage I trains on and is validated on (alignment always trains on
 *     the captions of the training split); {@link #defaults(boolean)}: {@link
 *     #defaultStage1Tasks()}; null (settings written before the mixes existed): every task, as
 *     those runs trained
 * @param armTasks the tasks every arm trains on and is validated on after Stage I (Stage II and
 *     III, dense-continued, the upcycled arms: the same batches for all arms); default and null:
 *     every task
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
    int validationEvery,
    int seeds,
    TaskMix stage1Tasks,
    TaskMix armTasks) {
  public DemoSettings {
    // Absent (null) mixes are every task: settings written before the mixes existed read as the
    // behaviour they were run with.
    stage1Tasks = stage1Tasks == null ? TaskMix.all() : stage1Tasks;
    armTasks = armTasks == null ? TaskMix.all() : armTasks;
    if (!(lr > 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException("lr must be finite and > 0, got " + lr);
    }
    if (!(lrAfter > 0) || Double.isInfinite(lrAfter)) {
      throw new IllegalArgumentException("lrAfter must be finite and > 0, got " + lrAfter);
    }
    if (patch < 1 || 56 % patch != 0) {
      throw new IllegalArgumentException("patch must divide 56, got " + patch);
    }
    // Upper bounds before anything is allocated: a typo such as "layers": 100000 is refused here
    // instead of building a model that does not fit in memory.
    within("batchSize", batchSize, 1, MAX_BATCH);
    within("alignSteps", alignSteps, 0, MAX_STEPS);
    within("stage1Steps", stage1Steps, 1, MAX_STEPS);
    within("stage2Steps", stage2Steps, 1, MAX_STEPS);
    within("stage3Steps", stage3Steps, 1, MAX_STEPS);
    within("dModel", dModel, 2, MAX_WIDTH);
    within("layers", layers, 1, MAX_LAYERS);
    within("heads", heads, 1, MAX_HEADS);
    within("kvHeads", kvHeads, 1, heads);
    within("ffnHidden", ffnHidden, 1, MAX_HIDDEN);
    within("experts", experts, 2, MAX_EXPERTS);
    within("dVision", dVision, 1, MAX_WIDTH);
    within("evalSamples", evalSamples, 0, MAX_SAMPLES);
    within("diagnosticSamples", diagnosticSamples, 0, MAX_SAMPLES);
    within("validationSamples", validationSamples, 0, MAX_SAMPLES);
    within("validationEvery", validationEvery, 1, MAX_STEPS);
    within("seeds", seeds, 1, MAX_SEEDS);
  }

  /** Most seeds of one run. */
  public static final int MAX_SEEDS = 1000;

  /** Most decoder layers of the demo model. */
  public static final int MAX_LAYERS = 64;
  /** Largest decoder and vision width. */
  public static final int MAX_WIDTH = 4096;
  /** Largest FFN hidden width. */
  public static final int MAX_HIDDEN = 16384;
  /** Most attention heads. */
  public static final int MAX_HEADS = 64;
  /** Most experts per MoE layer. */
  public static final int MAX_EXPERTS = 64;
  /** Most sequences per step. */
  public static final int MAX_BATCH = 1024;
  /** Most steps of one stage. */
  public static final int MAX_STEPS = 10_000_000;
  /** Most evaluation or diagnostic samples. */
  public static final int MAX_SAMPLES = 10_000_000;

  private static void within(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          name + " must be in [" + min + ", " + max + "], got " + value);
    }
  }

  /**
   * Stage I's default task mix: position, caption and the four text tasks; counting and POPE are
   * left to the arms ({@link TaskMix#all()} after Stage I), so that Stage II has something to
   * learn once Stage I has plateaued (docs/regime-sweep.md, sweeps 3 and 4: on one mix a
   * plateaued Stage I leaves Stage II nothing to add).
   */
  public static TaskMix defaultStage1Tasks() {
    return TaskMix.of(InstructionTask.POSITION, InstructionTask.CAPTION,
        InstructionTask.TEXT_MEMBERSHIP, InstructionTask.TEXT_CATEGORY,
        InstructionTask.TEXT_CHOICE, InstructionTask.TEXT_PLURAL);
  }

  /**
   * The demo's defaults, chosen by the measurements of docs/regime-sweep.md: peak learning rate
   * 3e-3 in every stage (Stage II learns most at 3e-3: 1e-3 moves the seed too little, 1e-2
   * overshoots); Stage I on {@link #defaultStage1Tasks()}, every arm after it on all tasks; Stage I
   * as long as its plateau (a run 1.5 times as long lowers Stage I's final validation loss by
   * only 0.02 nats: sweep 4 for the full model, sweep 3 for the quick one); full: d 64, Stage I
   * 1,400 steps, Stage II and III 250 each, validation on 512 held-out samples every 100 steps,
   * two seeds (as many as fit the demo's 10-minute budget on 2 cores, docs/demo-results.md);
   * quick: d 48, Stage I 2,400, Stage II and III 150 each, 256 validation samples every 50 steps,
   * one seed.
   */
  public static DemoSettings defaults(boolean quick) {
    return quick
        ? new DemoSettings(true, 1, Path.of("runs/demo-quick"), null, 32, 30, 2400, 150, 150,
            3e-3, 3e-3, 48, 4, 4, 2, 128, 4, 32, 14, 400, 160, 256, 50, 1,
            defaultStage1Tasks(), TaskMix.all())
        : new DemoSettings(false, 1, Path.of("runs/demo"), null, 32, 100, 1400, 250, 250,
            3e-3, 3e-3, 64, 4, 4, 2, 176, 4, 48, 14, 0, 300, 512, 100, 2,
            defaultStage1Tasks(), TaskMix.all());
  }

  public DemoSettings withOut(Path dir) {
    return new DemoSettings(quick, seed, dir, dataDir, batchSize, alignSteps, stage1Steps,
        stage2Steps, stage3Steps, lr, lrAfter, dModel, layers, heads, kvHeads, ffnHidden, experts,
        dVision, patch, evalSamples, diagnosticSamples, validationSamples, validationEvery, seeds,
        stage1Tasks, armTasks);
  }

  public DemoSettings withSeed(long s) {
    return new DemoSettings(quick, s, out, dataDir, batchSize, alignSteps, stage1Steps,
        stage2Steps, stage3Steps, lr, lrAfter, dModel, layers, heads, kvHeads, ffnHidden, experts,
        dVision, patch, evalSamples, diagnosticSamples, validationSamples, validationEvery, seeds,
        stage1Tasks, armTasks);
  }

  public DemoSettings withDataDir(Path dir) {
    return new DemoSettings(quick, seed, out, dir, batchSize, alignSteps, stage1Steps,
        stage2Steps, stage3Steps, lr, lrAfter, dModel, layers, heads, kvHeads, ffnHidden, experts,
        dVision, patch, evalSamples, diagnosticSamples, validationSamples, validationEvery, seeds,
        stage1Tasks, armTasks);
  }

  public DemoSettings withSteps(int align, int s1, int s2, int s3) {
    return new DemoSettings(quick, seed, out, dataDir, batchSize, align, s1, s2, s3, lr, lrAfter,
        dModel, layers, heads, kvHeads, ffnHidden, experts, dVision, patch, evalSamples,
        diagnosticSamples, validationSamples, validationEvery, seeds,
        stage1Tasks, armTasks);
  }

  /** The same settings with {@code n} seeds. */
  public DemoSettings withSeeds(int n) {
    return new DemoSettings(quick, seed, out, dataDir, batchSize, alignSteps, stage1Steps,
        stage2Steps, stage3Steps, lr, lrAfter, dModel, layers, heads, kvHeads, ffnHidden, experts,
        dVision, patch, evalSamples, diagnosticSamples, validationSamples, validationEvery, n,
        stage1Tasks, armTasks);
  }

  /** The same settings with Stage I training on {@code stage1} and every arm after it on {@code arms}. */
  public DemoSettings withTasks(TaskMix stage1, TaskMix arms) {
    return new DemoSettings(quick, seed, out, dataDir, batchSize, alignSteps, stage1Steps,
        stage2Steps, stage3Steps, lr, lrAfter, dModel, layers, heads, kvHeads, ffnHidden, experts,
        dVision, patch, evalSamples, diagnosticSamples, validationSamples, validationEvery, seeds,
        stage1, arms);
  }

  /**
   * The defaults of {@code evomoe study}: the demo's model and steps with 5 seeds, or the quick
   * variant with 3 seeds, written to {@code runs/study} or {@code runs/study-quick}.
   */
  public static DemoSettings study(boolean quick) {
    DemoSettings d = defaults(quick);
    return d.withSeeds(quick ? 3 : 5).withOut(Path.of(quick ? "runs/study-quick" : "runs/study"));
  }

  /** The seeds of the comparison, in order: {@code seed, seed + 1, ...}. */
  public java.util.List<Long> seedList() {
    java.util.List<Long> l = new java.util.ArrayList<>();
    for (int i = 0; i < seeds; i++) {
      l.add(seed + i);
    }
    return l;
  }
}
