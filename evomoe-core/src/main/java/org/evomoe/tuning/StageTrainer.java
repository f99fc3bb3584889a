package org.evomoe.tuning;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.evomoe.evolution.ExpertEvolution;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.optim.AdamW;
import org.evomoe.optim.AdamWConfig;
import org.evomoe.optim.CosineWarmupSchedule;
import org.evomoe.optim.GradientAccumulator;
import org.evomoe.optim.GradientClipping;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.StepWorkspace;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link StageConfig} on a {@link TunableModel}, step by step, and can stop and resume
 * exactly.
 *
 * <ol>
 *   <li>Construction records every parameter's trainable flag and every MoE layer's forced
 *       expert, then freezes every parameter whose role the stage does not train (no gradient
 *       buffer, no optimiser state), unfreezes the others, and runs the MoE layers seed-only
 *       (forced to expert 0) or routed with each layer's own {@link
 *       org.evomoe.moe.RoutingConfig}, which the stage never changes.
 *   <li>An evolution stage copies the seed into the evolved experts before its first step (not
 *       when resumed).
 *   <li>Each step: micro-batches in a step workspace, averaged gradients, evolution's snapshot
 *       (so LITERAL sees the raw gradient), clipping, the AdamW step at the scheduled learning
 *       rate, evolution's update.
 *   <li>{@link #close()} puts back the recorded trainable flags and forced experts, so the model
 *       leaves the stage configured as it entered it (only its weights changed).
 * </ol>
 */
public final class StageTrainer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StageTrainer.class);
  private static final AtomicLong TRAINERS = new AtomicLong();

  /** Called after every optimiser step (progress bars, curves). */
  @FunctionalInterface
  public interface StepListener {
    void onStep(int step, int totalSteps, double loss, double learningRate);
  }

  private final TunableModel model;
  private final StageConfig stage;
  private final List<Parameter> allParameters; // in model order, for restoring flags
  private final boolean[] trainableBefore; // per allParameters entry
  private final List<MoeLayer> moeLayers;
  private final int[] forcedBefore; // per MoE layer
  private boolean closed;
  /** This trainer's step workspace: unique, so two trainers never share (or free) one. */
  private final String workspaceId = "stage-" + TRAINERS.incrementAndGet();
  private final MicroBatchStep microBatch;
  private final List<Parameter> trainable;
  private final AdamW optimizer;
  private final CosineWarmupSchedule schedule;
  private final GradientAccumulator accumulator;
  private final ExpertEvolution evolution; // null unless the stage evolves experts
  private final double[] losses;
  private final double[] lrs;
  private final double[] norms;
  private int next;
  private boolean seeded; // evolved experts initialised from the seed (or restored)
  private double seconds;

  /**
   * @throws IllegalArgumentException if the stage would train nothing in this model, or evolves
   *     experts in a model without MoE layers
   */
  public StageTrainer(TunableModel model, StageConfig stage, MicroBatchStep microBatch) {
    this.model = model;
    this.stage = stage;
    this.microBatch = microBatch;
    this.moeLayers = List.copyOf(model.moeLayers());
    requireRouting(moeLayers, stage);
    this.allParameters = List.copyOf(model.parameters());
    this.trainableBefore = new boolean[allParameters.size()];
    for (int i = 0; i < trainableBefore.length; i++) {
      trainableBefore[i] = allParameters.get(i).trainable();
    }
    this.forcedBefore = new int[moeLayers.size()];
    for (int i = 0; i < forcedBefore.length; i++) {
      forcedBefore[i] = moeLayers.get(i).forcedExpert();
    }
    List<Parameter> trainableNow;
    ExpertEvolution evo = null;
    try {
      trainableNow = applyFreezing(model, stage);
      applyRouting(moeLayers, stage.routing());
      evo = stage.evolution() == null ? null : evolution(model, stage);
    } catch (RuntimeException e) {
      restoreModelSettings();
      throw e;
    }
    this.trainable = trainableNow;
    this.evolution = evo;
    OptimSettings o = stage.optim();
    this.optimizer = new AdamW(AdamWConfig.withDefaults(o.learningRate(), o.weightDecay()), trainable);
    this.schedule = CosineWarmupSchedule.withWarmupRatio(
        o.learningRate(), o.steps(), o.warmupRatio(), o.minLrRatio());
    this.accumulator = new GradientAccumulator(trainable, o.microBatches());
    this.losses = new double[o.steps()];
    this.lrs = new double[o.steps()];
    this.norms = new double[o.steps()];
    optimizer.zeroGrad();
  }

  public StageConfig stage() {
    return stage;
  }

  /** The next step to run (0 at the start, {@code steps} when done). */
  public int nextStep() {
    return next;
  }

  public boolean done() {
    return next >= stage.optim().steps();
  }

  /** Runs one optimiser step; returns its mean micro-batch loss. */
  public double step() {
    if (done()) {
      throw new IllegalStateException("stage " + stage.name() + " already ran its "
          + stage.optim().steps() + " steps");
    }
    long t0 = System.nanoTime();
    if (evolution != null && !seeded) {
      evolution.copySeedIntoEvolved();
    }
    seeded = true;
    OptimSettings o = stage.optim();
    int step = next;
    double lr = schedule.learningRate(step);
    optimizer.setLearningRate(lr);
    double loss = 0;
    for (int m = 0; m < o.microBatches(); m++) {
      try (MemoryWorkspace ignored = StepWorkspace.open(workspaceId)) {
        loss += microBatch.run(step, m);
      }
      accumulator.endMicroBatch(() -> {
        if (evolution != null) {
          // Before clipping: LITERAL takes the seed's raw (averaged, unclipped) gradient g_1.
          evolution.beforeStep();
        }
        norms[step] = o.maxGradNorm() > 0
            ? GradientClipping.clipByGlobalNorm(trainable, o.maxGradNorm())
            : GradientClipping.globalNorm(trainable);
        optimizer.step();
        if (evolution != null) {
          evolution.afterStep();
        }
      });
    }
    losses[step] = loss / o.microBatches();
    lrs[step] = lr;
    if (!Double.isFinite(losses[step])) {
      throw new IllegalStateException(
          "stage " + stage.name() + ": loss is " + losses[step] + " at step " + step);
    }
    next++;
    seconds += (System.nanoTime() - t0) / 1e9;
    if (done()) {
      StepWorkspace.release(workspaceId); // the stage is over: no workspace memory outlives it
    }
    return losses[step];
  }

  /** Runs the remaining steps; {@code listener} may be null. */
  public StageResult runToEnd(StepListener listener) {
    while (!done()) {
      double loss = step();
      if (listener != null) {
        listener.onStep(next - 1, stage.optim().steps(), loss, lrs[next - 1]);
      }
    }
    StageResult r = result();
    LOG.info("{}: {} steps, loss {} -> {}, {} trained / {} frozen scalars, {} s", stage.name(),
        r.losses().length, fmt(r.losses()[0]), fmt(r.finalLoss(1)), r.trainedParameters(),
        r.frozenParameters(), fmt(r.seconds()));
    return r;
  }

  /** The curves of the steps run so far. */
  public StageResult result() {
    long frozen = 0;
    long trained = 0;
    for (Parameter p : model.parameters()) {
      if (p.trainable()) {
        trained += p.length();
      } else {
        frozen += p.length();
      }
    }
    return new StageResult(stage.name(), Arrays.copyOf(losses, next), Arrays.copyOf(lrs, next),
        Arrays.copyOf(norms, next), trained, frozen, seconds);
  }

  /** The state to resume from later (the caller saves the model weights alongside). */
  public TrainerState exportState() {
    return new TrainerState(stage.name(), next, optimizer.exportState(),
        evolution == null ? null : evolution.exportState(),
        Arrays.copyOf(losses, next), Arrays.copyOf(lrs, next), Arrays.copyOf(norms, next));
  }

  /**
   * Continues from an exported state. The model's weights must already hold the values they had
   * when the state was exported. Every parameter with optimiser state gets its (zero) gradient
   * buffer, as it has in the uninterrupted run, so the next steps update the same parameters.
   *
   * @throws IllegalArgumentException if the state belongs to another stage or does not fit
   */
  public void restoreState(TrainerState s) {
    if (!s.stage().equals(stage.name())) {
      throw new IllegalArgumentException(
          "trainer state is for stage " + s.stage() + ", this trainer runs " + stage.name());
    }
    if (s.nextStep() > stage.optim().steps()) {
      throw new IllegalArgumentException("trainer state is at step " + s.nextStep()
          + " but stage " + stage.name() + " has " + stage.optim().steps() + " steps");
    }
    if ((s.evolution() == null) != (evolution == null)) {
      throw new IllegalArgumentException("trainer state evolution presence does not match stage "
          + stage.name());
    }
    optimizer.restoreState(s.optimizer());
    // AdamW steps the trainable parameters that have a gradient buffer, and a buffer, once a
    // micro-batch has allocated it, stays (zeroed between steps) while the parameter trains: in
    // the uninterrupted run every parameter with optimiser state has one. A fresh model has none
    // until a micro-batch reaches the parameter, so without these a parameter that the first
    // resumed step does not reach (an expert that gets no token) would be skipped where the
    // uninterrupted run moves it by its momentum.
    for (Parameter p : trainable) {
      if (optimizer.hasState(p.name())) {
        p.grad();
      }
    }
    if (evolution != null) {
      evolution.restoreState(s.evolution());
    }
    System.arraycopy(s.losses(), 0, losses, 0, s.nextStep());
    System.arraycopy(s.learningRates(), 0, lrs, 0, s.nextStep());
    System.arraycopy(s.gradNorms(), 0, norms, 0, s.nextStep());
    next = s.nextStep();
    seeded = next > 0;
  }

  /**
   * Frees the optimiser and evolution state and the calling thread's step workspace, and puts back
   * every parameter's trainable flag and every MoE layer's forced expert as they were when this
   * trainer was built. Idempotent. (The final step frees the workspace of the thread that ran it;
   * a stage closed early frees it here when closed on the thread that stepped.)
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    StepWorkspace.release(workspaceId);
    if (evolution != null) {
      evolution.close();
    }
    optimizer.clearState();
    restoreModelSettings();
  }

  private void restoreModelSettings() {
    for (int i = 0; i < trainableBefore.length; i++) {
      allParameters.get(i).setTrainable(trainableBefore[i]);
    }
    for (int i = 0; i < forcedBefore.length; i++) {
      moeLayers.get(i).forceExpert(forcedBefore[i]);
    }
  }

  /** Refuses a routed stage whose required routing some MoE layer does not have. */
  static void requireRouting(List<MoeLayer> layers, StageConfig stage) {
    RoutingConfig required = stage.requiredRouting();
    if (required == null) {
      return;
    }
    for (int i = 0; i < layers.size(); i++) {
      RoutingConfig actual = layers.get(i).routing();
      if (!actual.equals(required)) {
        throw new IllegalArgumentException(
            "stage " + stage.name() + " requires routing " + required + " but MoE layer " + i
                + " routes with " + actual + "; build the layer with the required routing or"
                + " set it with MoeLayer.setRouting before the stage");
      }
    }
  }

  /** Sets every parameter's trainable flag from its role; returns the trainable ones. */
  static List<Parameter> applyFreezing(TunableModel model, StageConfig stage) {
    Map<Parameter, ParameterRole> roles = ParameterRole.classify(model);
    List<Parameter> trainable = new ArrayList<>();
    for (Parameter p : model.parameters()) {
      boolean train = stage.trains().contains(roles.get(p));
      p.setTrainable(train);
      if (train) {
        trainable.add(p);
      }
    }
    if (trainable.isEmpty()) {
      throw new IllegalArgumentException(
          "stage " + stage.name() + " trains " + stage.trains() + ", which this model does not have");
    }
    return trainable;
  }

  /** Runs every MoE layer seed-only (forced to expert 0) or routed; the routing is untouched. */
  static void applyRouting(List<MoeLayer> layers, StageRouting r) {
    for (MoeLayer moe : layers) {
      moe.forceExpert(r == StageRouting.SEED_ONLY ? 0 : -1);
    }
  }

  /** One evolution over all MoE layers: the betas of a step are shared across layers. */
  private static ExpertEvolution evolution(TunableModel model, StageConfig stage) {
    List<MoeLayer> layers = model.moeLayers();
    if (layers.isEmpty()) {
      throw new IllegalArgumentException(
          "stage " + stage.name() + " evolves experts but the model has no MoE layer");
    }
    int n = stage.evolution().numExperts();
    List<Parameter> seed = new ArrayList<>();
    List<List<Parameter>> evolved = new ArrayList<>();
    for (int e = 1; e < n; e++) {
      evolved.add(new ArrayList<>());
    }
    for (MoeLayer moe : layers) {
      if (moe.experts().size() != n) {
        throw new IllegalArgumentException("evolution config has " + n
            + " experts but a MoE layer has " + moe.experts().size());
      }
      List<SwiGluFfn> ex = moe.experts();
      seed.addAll(ex.get(0).parameters());
      for (int e = 1; e < n; e++) {
        evolved.get(e - 1).addAll(ex.get(e).parameters());
      }
    }
    return new ExpertEvolution(stage.evolution(), seed, evolved);
  }

  private static String fmt(double v) {
    return String.format(java.util.Locale.ROOT, "%.4f", v);
  }
}
