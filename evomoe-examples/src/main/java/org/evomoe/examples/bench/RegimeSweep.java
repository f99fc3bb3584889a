package org.evomoe.examples.bench;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.evomoe.checkpoint.AtomicFiles;
import org.evomoe.diagnostics.ExpertSimilarity;
import org.evomoe.evolution.EvolutionConfig;
import org.evomoe.examples.data.instruct.InstructionSample;
import org.evomoe.examples.model.DecoderInput;
import org.evomoe.examples.model.NextTokenTargets;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.pipeline.DemoPipeline;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.examples.pipeline.EvalResult;
import org.evomoe.examples.study.Arm;
import org.evomoe.examples.study.ArmRecipe;
import org.evomoe.examples.study.ValidationCurve;
import org.evomoe.examples.bench.RegimeSweepConfig.RouterVariant;
import org.evomoe.examples.bench.RegimeSweepConfig.Stage2Variant;
import org.evomoe.examples.bench.Stage2VariantResult.ExpertFunction;
import org.evomoe.examples.bench.Stage2VariantResult.LayerWeights;
import org.evomoe.examples.bench.Stage2VariantResult.TaskChange;
import org.evomoe.examples.model.MoeSettings;
import org.evomoe.diagnostics.ModalitySeparation;
import org.evomoe.diagnostics.RouterLogitStats;
import org.evomoe.diagnostics.RoutingEntropy;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.moe.Upcycling;
import org.evomoe.router.Modality;
import org.evomoe.router.RouterKind;
import org.evomoe.tuning.ParameterRole;
import org.evomoe.tuning.StageRouting;
import org.evomoe.tuning.StageConfig;
import org.evomoe.examples.pipeline.InstructionBatch;
import org.evomoe.examples.pipeline.TaskMix;
import org.evomoe.examples.pipeline.ValidationLoss;
import org.evomoe.moe.MoeLayer;
import org.evomoe.nn.SoftmaxCrossEntropy;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.StepWorkspace;
import org.evomoe.tensor.Threads;
import org.evomoe.tuning.StageResult;
import org.evomoe.tuning.StageTrainer;
import org.evomoe.tuning.Stages;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code evomoe bench regime --config FILE}: one alignment + Stage I run of the demo pipeline
 * (with its validation curve), then several Stage II (expert evolution) variants from the same
 * Stage I weights. Stage I trains and is validated on the settings' {@code stage1Tasks}; a
 * variant on its own task mix ({@code tasks}, default the settings' {@code armTasks}). Per
 * variant: the validation curve of the seed on its mix, the paired change of the validation loss
 * with its standard error on its mix, on Stage I's mix and per task (all validation samples), and
 * how far the evolved experts moved from the seed, in weights (cosine, relative distance) and in
 * function (each expert alone: validation loss and total-variation distance of its next-token
 * distributions from the seed's on the same tokens, on the variant's mix).
 *
 * <pre>{@code
 * {"quick": false, "settings": {"stage1Steps": 700},       // demo settings, as for `train`
 *  "stage2": [{"lr": 0.001, "steps": 250}, {"lr": 0.003, "steps": 250},
 *             {"lr": 0.003, "steps": 250, "tasks": ["caption", "position"]},
 *             {"lr": 0.003, "steps": 250, "stage": "dense-continued"}],
 *  "router": [{"arm": "evomoe", "lr": 0.003, "zLoss": 0.01, "steps": 0}]}
 * }</pre>
 *
 * <p>{@code router} variants train the evomoe arm's router (after one shared Stage II) or the
 * upcycled-dtr arm from the same Stage I weights with another z-loss weight or learning rate, and
 * report the router logit range, routing entropy, image/text separation and scores.
 *
 * <p>The sweep file binds to {@link RegimeSweepConfig}, the output file to {@link
 * RegimeSweepResult}. Results of the runs are recorded in docs/regime-sweep.md.
 */
@Command(
    name = "regime",
    mixinStandardHelpOptions = true,
    description = "Stage I once, then Stage II variants: validation curves and expert divergence.")
public final class RegimeSweep implements Callable<Integer> {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  /** Writes the arrays of the printed lines on one line. */
  private static final ObjectMapper COMPACT = new ObjectMapper();

  @Option(names = "--config", required = true, description = "JSON sweep file.")
  Path config;

  @Option(names = "--out", required = true, description = "Output JSON file.")
  Path out;

  @Option(names = "--threads", description = "CPU threads (default: number of cores).")
  Integer threads;

  @Override
  public Integer call() throws Exception {
    RegimeSweepConfig c = JSON.readValue(config.toFile(), RegimeSweepConfig.class);
    ObjectNode merged = JSON.valueToTree(DemoSettings.defaults(c.quick()));
    c.settings().fields().forEachRemaining(e -> {
      if (!merged.has(e.getKey())) {
        throw new IllegalArgumentException("unknown setting '" + e.getKey() + "'");
      }
      merged.set(e.getKey(), e.getValue());
    });
    DemoSettings s = JSON.treeToValue(merged, DemoSettings.class);
    Threads.set(threads == null ? Runtime.getRuntime().availableProcessors() : threads);

    DemoPipeline p = new DemoPipeline(s);
    ValidationLoss val = p.validation();
    if (val == null) {
      throw new IllegalArgumentException("the sweep needs validationSamples > 0");
    }
    // Pipelines of the variants' task mixes: the same data, tokenizer and batch salts, only the
    // arms' pool differs, so a variant on the settings' armTasks trains on the study's batches.
    Map<TaskMix, DemoPipeline> byMix = new HashMap<>();
    byMix.put(s.armTasks(), p);
    for (Stage2Variant v : c.stage2()) {
      if (v.tasks() != null && !byMix.containsKey(v.tasks())) {
        byMix.put(v.tasks(), new DemoPipeline(s.withTasks(s.stage1Tasks(), v.tasks())));
      }
    }
    VisionLanguageModel m = p.newModel(p.baseMoe());
    List<SweepStage> stages = new ArrayList<>();
    if (s.alignSteps() > 0) {
      stages.add(train(m, p, Stages.alignment(ArmRecipe.optim(s.alignSteps(), s.lr())),
          DemoPipeline.Pool.CAPTIONS));
    }
    stages.add(train(m, p, Stages.warmup(ArmRecipe.optim(s.stage1Steps(), s.lr())),
        DemoPipeline.Pool.STAGE1));
    EvalResult e = seedOnly(m, () -> p.evaluate(m)); // as Stage I trained, as the study scores it
    Map<String, double[]> weights = snapshot(m);
    Map<ValidationLoss, double[][]> before = new HashMap<>();
    System.out.println(stage1Line(stages, e));

    List<Stage2VariantResult> variants = new ArrayList<>();
    for (Stage2Variant v : c.stage2()) {
      TaskMix mix = v.tasks() == null ? s.armTasks() : v.tasks();
      DemoPipeline q = byMix.get(mix);
      ValidationLoss own = q.validation(DemoPipeline.Pool.ARMS);
      ValidationLoss stage1Mix = p.validation(DemoPipeline.Pool.STAGE1);
      load(m, weights);
      for (ValidationLoss vl : List.of(own, stage1Mix, val)) {
        before.computeIfAbsent(vl, k -> seedOnly(m, k)); // Stage I weights
      }
      StageConfig stage = v.stage().equals(Stage2Variant.DENSE)
          ? Stages.denseContinued(ArmRecipe.optim(v.steps(), v.lr()))
          : Stages.evolution(ArmRecipe.optim(v.steps(), v.lr()),
              EvolutionConfig.paperDefaults(s.experts(), s.seed()));
      SweepStage training = train(m, q, stage, DemoPipeline.Pool.ARMS);
      double[][] after = seedOnly(m, own);
      double[] change = pairedChange(before.get(own), after);
      double[] change1 = pairedChange(before.get(stage1Mix), seedOnly(m, stage1Mix));
      Map<String, TaskChange> byTask = byTask(val, before.get(val), seedOnly(m, val));
      List<LayerWeights> distances = null;
      ExpertFunction function = null;
      if (v.stage().equals(Stage2Variant.EVOLUTION)) {
        distances = weightDistances(m);
        function = functionDistances(m, q, own);
      }
      Stage2VariantResult r = Stage2VariantResult.of(v.lr(), v.steps(), v.stage(), mix, training,
          own.size(), ValidationLoss.tokenMean(before.get(own)), ValidationLoss.tokenMean(after),
          change, stage1Mix.size(), change1, byTask, distances, function);
      variants.add(r);
      System.out.println(stage2Line("stage2 " + v.stage() + " lr " + v.lr() + " x " + v.steps()
          + " on " + mix, r));
      AtomicFiles.writeBytes(out, JSON.writeValueAsBytes(new RegimeSweepResult(c, s, stages,
          e.average(), e.heldOutAverage(), variants, null)));
    }
    routerVariants(new RegimeSweepResult(c, s, stages, e.average(), e.heldOutAverage(), variants,
        null), c.router(), p, weights);
    return 0;
  }

  /**
   * The router variants from the Stage I weights: per variant the routing it trained with, its
   * stage's validation curve, and after training the router logit range, the mean routing entropy,
   * the image/text separation (hard top-1 and soft) per MoE layer and the scores. Writes {@code
   * result} with the variants done after each, and once more at the end.
   */
  private void routerVariants(RegimeSweepResult result, List<RouterVariant> variants,
      DemoPipeline p, Map<String, double[]> stage1) throws java.io.IOException {
    DemoSettings s = p.settings();
    List<RouterVariantResult> done = new ArrayList<>();
    Map<String, double[]> stage2 = null;
    for (RouterVariant v : variants) {
      Arm arm = Arm.of(v.arm());
      RoutingConfig base = arm == Arm.EVOMOE
          ? RoutingConfig.evoMoe()
          : RoutingConfig.moeLlava().withRouterKind(RouterKind.DTR);
      RoutingConfig routing = v.zLoss() == null ? base : base.withZLossWeight(v.zLoss());
      VisionLanguageModel m = p.newModel(new MoeSettings(s.experts(), routing));
      SweepStage sharedStage2 = null;
      SweepStage training;
      if (arm == Arm.EVOMOE) {
        if (stage2 == null) {
          loadMatching(m, stage1);
          sharedStage2 = train(m, p, Stages.evolution(ArmRecipe.optim(s.stage2Steps(), s.lrAfter()),
              EvolutionConfig.paperDefaults(s.experts(), s.seed())), DemoPipeline.Pool.ARMS, 0);
          stage2 = snapshot(m);
        } else {
          load(m, stage2);
        }
        int steps = v.steps() == 0 ? s.stage3Steps() : v.steps();
        training = train(m, p, Stages.dtr(ArmRecipe.optim(steps, v.lr())).requiring(routing),
            DemoPipeline.Pool.ARMS, s.stage2Steps());
      } else {
        loadMatching(m, stage1);
        for (MoeLayer layer : m.moeLayers()) {
          Upcycling.copyExpertIntoOthers(layer, 0);
        }
        int steps = v.steps() == 0 ? s.stage2Steps() + s.stage3Steps() : v.steps();
        training = train(m, p, new StageConfig("upcycled-moe",
            EnumSet.of(ParameterRole.EXPERT_SEED, ParameterRole.EXPERT_OTHER, ParameterRole.ROUTER),
            StageRouting.ROUTED, null, ArmRecipe.optim(steps, v.lr())).requiring(routing),
            DemoPipeline.Pool.ARMS, 0);
      }
      List<MoeLayer> layers = m.moeLayers();
      Runnable pass = p.diagnosticPass(m);
      RouterLogitStats logits = RouterLogitStats.measure(layers, pass);
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      for (RouterLogitStats.LogitCell cell : logits.cells()) {
        min = Math.min(min, cell.min());
        max = Math.max(max, cell.max());
      }
      double[] entropy = RoutingEntropy.measure(layers, pass).layers().stream()
          .mapToDouble(RoutingEntropy.LayerEntropy::meanTokenEntropy).toArray();
      double[] hard = new double[layers.size()];
      double[] soft = new double[layers.size()];
      ModalitySeparation sep = ModalitySeparation.measure(layers, pass);
      for (int l = 0; l < layers.size(); l++) {
        ModalitySeparation.PairSeparation ps = sep.pair(l, Modality.IMAGE, Modality.TEXT);
        hard[l] = ps.hardTotalVariation();
        soft[l] = ps.softTotalVariation();
      }
      EvalResult e = p.evaluate(m);
      done.add(RouterVariantResult.of(v.arm(), v.lr(), routing, sharedStage2, training, min, max,
          entropy, hard, soft, e.average(), e.heldOutAverage()));
      System.out.println(String.format(Locale.ROOT,
          "router %s lr %s z %s: val %s logits [%.3g, %.3g] entropy %s hardTV %s softTV %s avg %.3f held-out %.3f (%.0f s)",
          v.arm(), v.lr(), routing.zLossWeight(), compact(training.validation().losses()), min,
          max, compact(entropy), compact(hard), compact(soft), e.average(), e.heldOutAverage(),
          training.seconds()));
      AtomicFiles.writeBytes(this.out, JSON.writeValueAsBytes(result.withRouter(done)));
    }
    AtomicFiles.writeBytes(this.out, JSON.writeValueAsBytes(result.withRouter(done)));
  }

  private static void loadMatching(VisionLanguageModel m, Map<String, double[]> w) {
    for (Parameter q : m.parameters()) {
      double[] v = w.get(q.name());
      if (v != null && v.length == q.value().length()) {
        q.value().assign(org.nd4j.linalg.factory.Nd4j.create(v, q.value().shape())
            .castTo(q.value().dataType()));
      }
    }
  }

  /**
   * {@link ValidationLoss#perSample} with every MoE layer running its seed (expert 0) alone, as
   * Stage I, Stage II and dense-continued train and as their validation curves measure: outside
   * a stage a MoE layer routes over all its experts with its (untrained) router.
   */
  private static double[][] seedOnly(VisionLanguageModel m, ValidationLoss val) {
    return seedOnly(m, () -> val.perSample(m));
  }

  /** {@code f} with every MoE layer of {@code m} running its seed alone. */
  private static <T> T seedOnly(VisionLanguageModel m, java.util.function.Supplier<T> f) {
    List<MoeLayer> layers = m.moeLayers();
    int[] forced = new int[layers.size()];
    for (int l = 0; l < layers.size(); l++) {
      forced[l] = layers.get(l).forcedExpert();
      layers.get(l).forceExpert(0);
    }
    try {
      return f.get();
    } finally {
      for (int l = 0; l < layers.size(); l++) {
        layers.get(l).forceExpert(forced[l]);
      }
    }
  }

  /**
   * Per task of the validation samples: the token-weighted validation loss before and after and
   * the paired change with its standard error ({@link #pairedChange}).
   */
  private static Map<String, TaskChange> byTask(ValidationLoss val, double[][] before,
      double[][] after) {
    Map<String, TaskChange> byTask = new LinkedHashMap<>();
    List<InstructionSample> samples = val.samples();
    for (org.evomoe.examples.data.instruct.InstructionTask t
        : org.evomoe.examples.data.instruct.InstructionTask.values()) {
      List<Integer> idx = new ArrayList<>();
      for (int i = 0; i < samples.size(); i++) {
        if (samples.get(i).task() == t) {
          idx.add(i);
        }
      }
      if (idx.size() < 2) {
        continue;
      }
      double[][] b = rows(before, idx);
      double[][] a = rows(after, idx);
      double[] change = pairedChange(b, a);
      byTask.put(t.taskName(), new TaskChange(idx.size(), ValidationLoss.tokenMean(b),
          ValidationLoss.tokenMean(a), change[0], change[1]));
    }
    return byTask;
  }

  private static double[][] rows(double[][] perSample, List<Integer> idx) {
    double[][] r = new double[2][idx.size()];
    for (int k = 0; k < idx.size(); k++) {
      r[0][k] = perSample[0][idx.get(k)];
      r[1][k] = perSample[1][idx.get(k)];
    }
    return r;
  }

  /** Runs one stage on {@code pool} with the validation curve of the pool's task mix. */
  private static SweepStage train(VisionLanguageModel m, DemoPipeline p, StageConfig stage,
      DemoPipeline.Pool pool) {
    return train(m, p, stage, pool, 0);
  }

  /** As above, stage step i on the batch of pool step {@code offset + i}. */
  private static SweepStage train(VisionLanguageModel m, DemoPipeline p, StageConfig stage,
      DemoPipeline.Pool pool, int offset) {
    ValidationLoss val = p.validation(pool); // the pool's task mix
    int every = p.settings().validationEvery();
    List<Integer> steps = new ArrayList<>();
    List<Double> losses = new ArrayList<>();
    StageResult r;
    try (StageTrainer t = new StageTrainer(m, stage, p.steps(m, pool, offset))) {
      steps.add(0);
      losses.add(val.measure(m));
      r = t.runToEnd((i, total, loss, lr) -> {
        if ((i + 1) % every == 0 || i + 1 == total) {
          steps.add(i + 1);
          losses.add(val.measure(m));
        }
      });
    }
    return new SweepStage(r.name(), r.seconds(), r.losses(), mean(r.losses(), 0, 20),
        mean(r.losses(), r.losses().length - 20, r.losses().length),
        new ValidationCurve(val.size(), steps.stream().mapToInt(Integer::intValue).toArray(),
            losses.stream().mapToDouble(Double::doubleValue).toArray()));
  }

  /** Token-weighted change after - before and its standard error over samples (paired). */
  static double[] pairedChange(double[][] before, double[][] after) {
    int n = before[0].length;
    double tokens = 0;
    for (double t : before[1]) {
      tokens += t;
    }
    double mean = 0;
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = (after[0][i] - before[0][i]) * n / tokens; // per-sample share of the token mean
      mean += d[i] / n;
    }
    double var = 0;
    for (double x : d) {
      var += (x - mean) * (x - mean);
    }
    var /= n - 1;
    return new double[] {mean, Math.sqrt(var / n)};
  }

  /** Weight distances of each evolved expert from the seed (expert 0), per MoE layer. */
  private static List<LayerWeights> weightDistances(VisionLanguageModel m) {
    List<MoeLayer> layers = m.moeLayers();
    int experts = layers.get(0).experts().size();
    ExpertSimilarity sim = ExpertSimilarity.of(layers);
    List<LayerWeights> w = new ArrayList<>();
    for (int l = 0; l < layers.size(); l++) {
      double[][] cos = sim.layers().get(l).cosine();
      double[] cosSeed = new double[experts];
      double[] relDist = new double[experts];
      double[] seed = flat(layers.get(l).experts().get(0));
      for (int e = 0; e < experts; e++) {
        cosSeed[e] = cos[0][e];
        double[] x = flat(layers.get(l).experts().get(e));
        double dd = 0;
        double ss = 0;
        for (int i = 0; i < x.length; i++) {
          dd += (x[i] - seed[i]) * (x[i] - seed[i]);
          ss += seed[i] * seed[i];
        }
        relDist[e] = Math.sqrt(dd / ss);
      }
      w.add(new LayerWeights(cosSeed, relDist, sim.layers().get(l).meanOffDiagonal()));
    }
    return w;
  }

  /**
   * Function distances of each evolved expert from the seed (expert 0) on the validation samples
   * {@code val}.
   */
  private static ExpertFunction functionDistances(VisionLanguageModel m, DemoPipeline p,
      ValidationLoss val) {
    List<MoeLayer> layers = m.moeLayers();
    int experts = layers.get(0).experts().size();
    // Function: every MoE layer runs expert e alone; next-token distributions on the validation
    // samples' supervised positions.
    int[] forced = new int[layers.size()];
    for (int l = 0; l < layers.size(); l++) {
      forced[l] = layers.get(l).forcedExpert();
    }
    List<double[][]> probs = new ArrayList<>();
    double[] standalone = new double[experts];
    for (int e = 0; e < experts; e++) {
      for (MoeLayer layer : layers) {
        layer.forceExpert(e);
      }
      standalone[e] = val.measure(m);
      probs.add(supervisedDistributions(m, p, val));
    }
    for (int l = 0; l < layers.size(); l++) {
      layers.get(l).forceExpert(forced[l]);
    }
    double[] tv = new double[experts];
    double[] agree = new double[experts];
    double[][] seed = probs.get(0);
    for (int e = 0; e < experts; e++) {
      double[][] x = probs.get(e);
      for (int r = 0; r < seed.length; r++) {
        double t = 0;
        int a0 = 0;
        int ae = 0;
        for (int k = 0; k < seed[r].length; k++) {
          t += Math.abs(seed[r][k] - x[r][k]);
          a0 = seed[r][k] > seed[r][a0] ? k : a0;
          ae = x[r][k] > x[r][ae] ? k : ae;
        }
        tv[e] += 0.5 * t / seed.length;
        agree[e] += (a0 == ae ? 1.0 : 0.0) / seed.length;
      }
    }
    return new ExpertFunction(standalone, tv, agree, seed.length);
  }

  /** Softmax rows [positions][V] of the supervised positions of the validation samples. */
  private static double[][] supervisedDistributions(VisionLanguageModel m, DemoPipeline p,
      ValidationLoss val) {
    List<double[]> rows = new ArrayList<>();
    List<InstructionSample> samples = val.samples();
    for (int from = 0; from < samples.size(); from += 64) {
      InstructionBatch b = p.batcher().batch(samples.subList(from, Math.min(samples.size(), from + 64)));
      try (MemoryWorkspace ignored = StepWorkspace.open("sweep")) {
        DecoderInput in = m.input(b.pixels(), b.withImage(), b.size(), b.seqLen(), b.tokens());
        int[] targets = NextTokenTargets.of(in, b.answerStart(), b.lengths());
        double[][] logits = m.forward(in).toDoubleMatrix();
        for (int r = 0; r < targets.length; r++) {
          if (targets[r] != SoftmaxCrossEntropy.IGNORE) {
            double lse = SoftmaxCrossEntropy.logSumExp(logits[r]);
            double[] pr = new double[logits[r].length];
            for (int k = 0; k < pr.length; k++) {
              pr[k] = Math.exp(logits[r][k] - lse);
            }
            rows.add(pr);
          }
        }
      }
    }
    return rows.toArray(new double[0][]);
  }

  private static double[] flat(SwiGluFfn f) {
    List<double[]> parts = new ArrayList<>();
    int n = 0;
    for (Parameter q : f.parameters()) {
      double[] v = q.value().dup('c').data().asDouble();
      parts.add(v);
      n += v.length;
    }
    double[] out = new double[n];
    int at = 0;
    for (double[] v : parts) {
      System.arraycopy(v, 0, out, at, v.length);
      at += v.length;
    }
    return out;
  }

  private static Map<String, double[]> snapshot(VisionLanguageModel m) {
    Map<String, double[]> w = new HashMap<>();
    for (Parameter q : m.parameters()) {
      w.put(q.name(), q.value().dup('c').data().asDouble());
    }
    return w;
  }

  private static void load(VisionLanguageModel m, Map<String, double[]> w) {
    for (Parameter q : m.parameters()) {
      q.value().assign(org.nd4j.linalg.factory.Nd4j.create(w.get(q.name()), q.value().shape())
          .castTo(q.value().dataType()));
    }
  }

  private static double mean(double[] x, int from, int to) {
    from = Math.max(0, from);
    to = Math.min(x.length, to); // stages shorter than the window
    double s = 0;
    for (int i = from; i < to; i++) {
      s += x[i];
    }
    return s / Math.max(1, to - from);
  }

  /** The printed line after Stage I: each stage's validation curve and seconds, the scores. */
  private static String stage1Line(List<SweepStage> stages, EvalResult e) {
    StringBuilder sb = new StringBuilder("stage1: ");
    for (SweepStage st : stages) {
      sb.append(st.stage()).append(" val ").append(compact(st.validation().losses()))
          .append(String.format(Locale.ROOT, " (%.1f s); ", st.seconds()));
    }
    sb.append(String.format(Locale.ROOT, "stage1 average %.3f, held-out %.3f", e.average(),
        e.heldOutAverage()));
    return sb.toString();
  }

  /** The printed line after a Stage II variant. */
  private static String stage2Line(String label, Stage2VariantResult r) {
    LayerWeights first = r.weights() == null ? null : r.weights().get(0);
    ExpertFunction f = r.function();
    return label + ": val " + compact(r.validation().losses())
        + String.format(Locale.ROOT, " %.4f -> %.4f change %.4f +- %.4f; train %.4f -> %.4f; ",
            r.validationBefore(), r.validationAfter(), r.validationChange(),
            r.validationChangeStdError(), r.trainLossFirst20(), r.trainLossLast20())
        + "cos " + compact(first == null ? null : first.cosineToSeed())
        + " relDist " + compact(first == null ? null : first.relativeDistanceToSeed())
        + String.format(Locale.ROOT, "; stage1 mix change %.4f +- %.4f;",
            r.stage1MixValidationChange(), r.stage1MixValidationChangeStdError())
        + " tv " + compact(f == null ? null : f.totalVariationToSeed())
        + " standalone " + compact(f == null ? null : f.standaloneValidationLoss());
  }

  /** {@code values} as compact JSON ({@code [1.0,0.5]}); the empty string for null. */
  private static String compact(double[] values) {
    if (values == null) {
      return "";
    }
    try {
      return COMPACT.writeValueAsString(values);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
