package org.evomoe.tuning;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.evomoe.evolution.ExpertEvolution;
import org.evomoe.moe.MoeConfig;
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
 * Runs one {@link StageConfig} on a {@link TunableModel}:
 *
 * <ol>
 *   <li>freeze every parameter whose role the stage does not train (no gradient buffer, no
 *       optimiser state) and unfreeze the others;
 *   <li>set the MoE layers' routing (seed only, or routed top-k with the stage's loss weights);
 *   <li>for an evolution stage, copy the seed into the evolved experts;
 *   <li>per step: micro-batches in a step workspace, averaged gradients, clipping, then evolution's
 *       snapshot, the AdamW step, and evolution's update.
 * </ol>
 */
public final class StageRunner {
  private static final Logger LOG = LoggerFactory.getLogger(StageRunner.class);

  /** Called after every optimiser step (progress bars, curves). */
  @FunctionalInterface
  public interface StepListener {
    void onStep(int step, int totalSteps, double loss, double learningRate);
  }

  private StageRunner() {}

  /** Runs the stage without a listener. */
  public static StageResult run(TunableModel model, StageConfig stage, MicroBatchStep microBatch) {
    return run(model, stage, microBatch, null);
  }

  /**
   * @param listener null or a callback after every step
   * @throws IllegalArgumentException if the stage would train nothing in this model, or asks for
   *     evolution in a model without MoE layers
   */
  public static StageResult run(
      TunableModel model, StageConfig stage, MicroBatchStep microBatch, StepListener listener) {
    long t0 = System.nanoTime();
    List<Parameter> trainable = applyFreezing(model, stage);
    applyRouting(model, stage.routing());
    ExpertEvolution evolution = stage.evolution() == null ? null : evolution(model, stage);

    OptimSettings o = stage.optim();
    AdamW optimizer = new AdamW(AdamWConfig.withDefaults(o.learningRate(), o.weightDecay()), trainable);
    CosineWarmupSchedule schedule =
        CosineWarmupSchedule.withWarmupRatio(o.learningRate(), o.steps(), o.warmupRatio(), o.minLrRatio());
    GradientAccumulator accumulator = new GradientAccumulator(trainable, o.microBatches());
    optimizer.zeroGrad();

    double[] losses = new double[o.steps()];
    double[] lrs = new double[o.steps()];
    double[] norms = new double[o.steps()];
    try {
      for (int step = 0; step < o.steps(); step++) {
        double lr = schedule.learningRate(step);
        optimizer.setLearningRate(lr);
        double loss = 0;
        for (int m = 0; m < o.microBatches(); m++) {
          try (MemoryWorkspace ignored = StepWorkspace.open("stage")) {
            loss += microBatch.run(step, m);
          }
          final int s = step;
          accumulator.endMicroBatch(() -> {
            norms[s] = o.maxGradNorm() > 0
                ? GradientClipping.clipByGlobalNorm(trainable, o.maxGradNorm())
                : GradientClipping.globalNorm(trainable);
            if (evolution != null) {
              evolution.beforeStep();
            }
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
        if (listener != null) {
          listener.onStep(step, o.steps(), losses[step], lr);
        }
      }
    } finally {
      if (evolution != null) {
        evolution.close();
      }
      optimizer.clearState();
    }
    long frozen = 0;
    long trained = 0;
    for (Parameter p : model.parameters()) {
      if (p.trainable()) {
        trained += p.length();
      } else {
        frozen += p.length();
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    LOG.info("{}: {} steps, loss {} -> {}, {} trained / {} frozen scalars, {} s",
        stage.name(), o.steps(), fmt(losses[0]), fmt(losses[o.steps() - 1]), trained, frozen,
        fmt(seconds));
    return new StageResult(stage.name(), losses, lrs, norms, trained, frozen, seconds);
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

  /** Applies the stage's routing to every MoE layer. */
  static void applyRouting(TunableModel model, StageRouting r) {
    for (MoeLayer moe : model.moeLayers()) {
      if (r.seedOnly()) {
        moe.forceExpert(0);
      } else {
        MoeConfig c = moe.config();
        moe.setConfig(new MoeConfig(c.dModel(), c.dHidden(), c.numExperts(), r.topK(),
            r.renormalize(), r.auxLossWeight(), r.zLossWeight()));
        moe.forceExpert(-1);
      }
    }
  }

  /** One evolution over all MoE layers (betas shared across layers), evolved experts reset to the seed. */
  private static ExpertEvolution evolution(TunableModel model, StageConfig stage) {
    List<MoeLayer> layers = model.moeLayers();
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("stage " + stage.name() + " evolves experts but the model has no MoE layer");
    }
    int n = stage.evolution().numExperts();
    List<Parameter> seed = new ArrayList<>();
    List<List<Parameter>> evolved = new ArrayList<>();
    for (int e = 1; e < n; e++) {
      evolved.add(new ArrayList<>());
    }
    for (MoeLayer moe : layers) {
      if (moe.experts().size() != n) {
        throw new IllegalArgumentException("evolution config has " + n + " experts but a MoE layer has "
            + moe.experts().size());
      }
      List<SwiGluFfn> ex = moe.experts();
      seed.addAll(ex.get(0).parameters());
      for (int e = 1; e < n; e++) {
        evolved.get(e - 1).addAll(ex.get(e).parameters());
      }
    }
    ExpertEvolution evo = new ExpertEvolution(stage.evolution(), seed, evolved);
    evo.copySeedIntoEvolved();
    return evo;
  }

  private static String fmt(double v) {
    return String.format(java.util.Locale.ROOT, "%.4f", v);
  }
}
