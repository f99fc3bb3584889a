package org.evomoe.examples.bench;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
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
 * Results of the runs are recorded in docs/regime-sweep.md.
 */
@Command(
    name = "regime",
    mixinStandardHelpOptions = true,
    description = "Stage I once, then Stage II variants: validation curves and expert divergence.")
public final class RegimeSweep implements Callable<Integer> {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  @Option(names = "--config", required = true, description = "JSON sweep file.")
  Path config;

  @Option(names = "--out", required = true, description = "Output JSON file.")
  Path out;

  @Option(names = "--threads", description = "CPU threads (default: number of cores).")
  Integer threads;

  /**
   * One variant after Stage I, from the Stage I weights: {@code stage} {@code evolution} (Stage II:
   * the seed trains, the experts evolve; the default) or {@code dense-continued} (every parameter
   * of the dense model trains: the study's dense control), at peak {@code lr} for {@code steps} on
   * the batches of the task mix {@code tasks} (null: the settings' {@code armTasks}).
   */
  record Variant(double lr, int steps, TaskMix tasks, String stage) {
    Variant {
      if (!(lr > 0) || Double.isInfinite(lr) || steps < 1) {
        throw new IllegalArgumentException("stage2 variant needs a finite lr > 0 and steps >= 1, got lr "
            + lr + ", steps " + steps);
      }
      stage = stage == null ? EVOLUTION : stage;
      if (!stage.equals(EVOLUTION) && !stage.equals(DENSE)) {
        throw new IllegalArgumentException("stage2 variant stage must be '" + EVOLUTION + "' or '"
            + DENSE + "', got '" + stage + "'");
      }
    }

    static final String EVOLUTION = "evolution";
    static final String DENSE = "dense-continued";
  }

  /**
   * One router-training variant after Stage I: {@code arm} is {@code evomoe} (Stage II evolution
   * at the settings' learning rate, once for all such variants, then Stage III, router only, at
   * {@code lr}) or {@code upcycled-dtr} (copies of the seed, experts and DTR train together at
   * {@code lr}); {@code zLoss} replaces the z-loss weight of the arm's routing (null: the arm's
   * default); {@code steps} 0 means the settings' steps.
   */
  record RouterVariant(String arm, double lr, Double zLoss, int steps) {
    RouterVariant {
      Arm a = Arm.of(arm);
      if (a != Arm.EVOMOE && a != Arm.UPCYCLED_DTR) {
        throw new IllegalArgumentException("router variants support evomoe and upcycled-dtr, got " + arm);
      }
      if (!(lr > 0) || steps < 0 || (zLoss != null && !(zLoss >= 0))) {
        throw new IllegalArgumentException("router variant needs lr > 0, steps >= 0, zLoss >= 0");
      }
    }
  }

  /** The sweep file. */
  record SweepConfig(boolean quick, ObjectNode settings, List<Variant> stage2,
      List<RouterVariant> router) {
    SweepConfig {
      settings = settings == null ? JSON.createObjectNode() : settings;
      stage2 = stage2 == null ? List.of() : List.copyOf(stage2);
      router = router == null ? List.of() : List.copyOf(router);
    }
  }

  @Override
  public Integer call() throws Exception {
    SweepConfig c = JSON.readValue(config.toFile(), SweepConfig.class);
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
    for (Variant v : c.stage2()) {
      if (v.tasks() != null && !byMix.containsKey(v.tasks())) {
        byMix.put(v.tasks(), new DemoPipeline(s.withTasks(s.stage1Tasks(), v.tasks())));
      }
    }
    ObjectNode result = JSON.createObjectNode();
    result.set("config", JSON.valueToTree(c));
    result.set("settings", JSON.valueToTree(s));
    VisionLanguageModel m = p.newModel(p.baseMoe());
    ArrayNode stage1 = result.putArray("stages");
    if (s.alignSteps() > 0) {
      train(stage1.addObject(), m, p, Stages.alignment(ArmRecipe.optim(s.alignSteps(), s.lr())),
          DemoPipeline.Pool.CAPTIONS);
    }
    train(stage1.addObject(), m, p, Stages.warmup(ArmRecipe.optim(s.stage1Steps(), s.lr())),
        DemoPipeline.Pool.STAGE1);
    EvalResult e = seedOnly(m, () -> p.evaluate(m)); // as Stage I trained, as the study scores it
    result.put("stage1Average", e.average());
    result.put("stage1HeldOutAverage", e.heldOutAverage());
    Map<String, double[]> weights = snapshot(m);
    Map<ValidationLoss, double[][]> before = new HashMap<>();
    System.out.println(line("stage1", result));

    ArrayNode variants = result.putArray("stage2");
    for (Variant v : c.stage2()) {
      TaskMix mix = v.tasks() == null ? s.armTasks() : v.tasks();
      DemoPipeline q = byMix.get(mix);
      ValidationLoss own = q.validation(DemoPipeline.Pool.ARMS);
      ValidationLoss stage1Mix = p.validation(DemoPipeline.Pool.STAGE1);
      load(m, weights);
      for (ValidationLoss vl : List.of(own, stage1Mix, val)) {
        before.computeIfAbsent(vl, k -> seedOnly(m, k)); // Stage I weights
      }
      ObjectNode n = variants.addObject();
      n.put("lr", v.lr());
      n.put("steps", v.steps());
      n.put("variant", v.stage());
      n.set("tasks", JSON.valueToTree(mix));
      StageConfig stage = v.stage().equals(Variant.DENSE)
          ? Stages.denseContinued(ArmRecipe.optim(v.steps(), v.lr()))
          : Stages.evolution(ArmRecipe.optim(v.steps(), v.lr()),
              EvolutionConfig.paperDefaults(s.experts(), s.seed()));
      train(n, m, q, stage, DemoPipeline.Pool.ARMS);
      double[][] after = seedOnly(m, own);
      double[] change = pairedChange(before.get(own), after);
      n.put("validationSamples", own.size());
      n.put("validationBefore", ValidationLoss.tokenMean(before.get(own)));
      n.put("validationAfter", ValidationLoss.tokenMean(after));
      n.put("validationChange", change[0]);
      n.put("validationChangeStdError", change[1]);
      double[] change1 = pairedChange(before.get(stage1Mix), seedOnly(m, stage1Mix));
      n.put("stage1MixValidationSamples", stage1Mix.size());
      n.put("stage1MixValidationChange", change1[0]);
      n.put("stage1MixValidationChangeStdError", change1[1]);
      byTask(n.putObject("validationChangeByTask"), val, before.get(val), seedOnly(m, val));
      if (v.stage().equals(Variant.EVOLUTION)) {
        divergence(n, m, q, own);
      }
      System.out.println(line("stage2 " + v.stage() + " lr " + v.lr() + " x " + v.steps()
          + " on " + mix, n));
      AtomicFiles.writeBytes(out, JSON.writeValueAsBytes(result));
    }
    routerVariants(result, c.router(), p, weights);
    AtomicFiles.writeBytes(out, JSON.writeValueAsBytes(result));
    return 0;
  }

  /**
   * The router variants from the Stage I weights: per variant the routing it trained with, its
   * stage's validation curve, and after training the router logit range, the mean routing entropy,
   * the image/text separation (hard top-1 and soft) per MoE layer and the scores.
   */
  private void routerVariants(ObjectNode result, List<RouterVariant> variants, DemoPipeline p,
      Map<String, double[]> stage1) throws java.io.IOException {
    DemoSettings s = p.settings();
    ArrayNode out = result.putArray("router");
    Map<String, double[]> stage2 = null;
    for (RouterVariant v : variants) {
      Arm arm = Arm.of(v.arm());
      RoutingConfig base = arm == Arm.EVOMOE
          ? RoutingConfig.evoMoe()
          : RoutingConfig.moeLlava().withRouterKind(RouterKind.DTR);
      RoutingConfig routing = v.zLoss() == null ? base : base.withZLossWeight(v.zLoss());
      VisionLanguageModel m = p.newModel(new MoeSettings(s.experts(), routing));
      ObjectNode n = out.addObject();
      n.put("arm", v.arm());
      n.put("lr", v.lr());
      n.set("routing", JSON.valueToTree(routing));
      if (arm == Arm.EVOMOE) {
        if (stage2 == null) {
          loadMatching(m, stage1);
          train(n.putObject("stage2"), m, p, Stages.evolution(ArmRecipe.optim(s.stage2Steps(), s.lrAfter()),
              EvolutionConfig.paperDefaults(s.experts(), s.seed())), DemoPipeline.Pool.ARMS, 0);
          stage2 = snapshot(m);
        } else {
          load(m, stage2);
        }
        int steps = v.steps() == 0 ? s.stage3Steps() : v.steps();
        train(n, m, p, Stages.dtr(ArmRecipe.optim(steps, v.lr())).requiring(routing),
            DemoPipeline.Pool.ARMS, s.stage2Steps());
      } else {
        loadMatching(m, stage1);
        for (MoeLayer layer : m.moeLayers()) {
          Upcycling.copyExpertIntoOthers(layer, 0);
        }
        int steps = v.steps() == 0 ? s.stage2Steps() + s.stage3Steps() : v.steps();
        train(n, m, p, new StageConfig("upcycled-moe",
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
      n.put("logitMin", min);
      n.put("logitMax", max);
      ArrayNode entropy = n.putArray("meanTokenEntropy");
      for (RoutingEntropy.LayerEntropy le : RoutingEntropy.measure(layers, pass).layers()) {
        entropy.add(le.meanTokenEntropy());
      }
      ArrayNode hard = n.putArray("hardTotalVariation");
      ArrayNode soft = n.putArray("softTotalVariation");
      ModalitySeparation sep = ModalitySeparation.measure(layers, pass);
      for (int l = 0; l < layers.size(); l++) {
        ModalitySeparation.PairSeparation ps = sep.pair(l, Modality.IMAGE, Modality.TEXT);
        hard.add(ps.hardTotalVariation());
        soft.add(ps.softTotalVariation());
      }
      EvalResult e = p.evaluate(m);
      n.put("average", e.average());
      n.put("heldOutAverage", e.heldOutAverage());
      System.out.println(String.format(Locale.ROOT,
          "router %s lr %s z %s: val %s logits [%.3g, %.3g] entropy %s hardTV %s softTV %s avg %.3f held-out %.3f (%.0f s)",
          v.arm(), v.lr(), routing.zLossWeight(), n.at("/validation/losses"), min, max, entropy,
          hard, soft, e.average(), e.heldOutAverage(), n.get("seconds").asDouble()));
      AtomicFiles.writeBytes(this.out, JSON.writeValueAsBytes(result));
    }
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
  private static void byTask(ObjectNode n, ValidationLoss val, double[][] before, double[][] after) {
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
      ObjectNode o = n.putObject(t.taskName());
      o.put("samples", idx.size());
      o.put("before", ValidationLoss.tokenMean(b));
      o.put("after", ValidationLoss.tokenMean(a));
      o.put("change", change[0]);
      o.put("changeStdError", change[1]);
    }
  }

  private static double[][] rows(double[][] perSample, List<Integer> idx) {
    double[][] r = new double[2][idx.size()];
    for (int k = 0; k < idx.size(); k++) {
      r[0][k] = perSample[0][idx.get(k)];
      r[1][k] = perSample[1][idx.get(k)];
    }
    return r;
  }

  /** Runs one stage on {@code pool} with the validation curve; records both curves into n. */
  private static void train(ObjectNode n, VisionLanguageModel m, DemoPipeline p, StageConfig stage,
      DemoPipeline.Pool pool) {
    train(n, m, p, stage, pool, 0);
  }

  /** As above, stage step i on the batch of pool step {@code offset + i}. */
  private static void train(ObjectNode n, VisionLanguageModel m, DemoPipeline p, StageConfig stage,
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
    n.put("stage", r.name());
    n.put("seconds", r.seconds());
    n.set("trainLosses", JSON.valueToTree(r.losses()));
    n.put("trainLossFirst20", mean(r.losses(), 0, 20));
    n.put("trainLossLast20", mean(r.losses(), r.losses().length - 20, r.losses().length));
    ObjectNode vn = n.putObject("validation");
    vn.put("samples", val.size());
    vn.set("steps", JSON.valueToTree(steps));
    vn.set("losses", JSON.valueToTree(losses));
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

  /** Weight and function distances of each evolved expert from the seed (expert 0). */
  private static void divergence(ObjectNode n, VisionLanguageModel m, DemoPipeline p,
      ValidationLoss val) {
    List<MoeLayer> layers = m.moeLayers();
    int experts = layers.get(0).experts().size();
    ExpertSimilarity sim = ExpertSimilarity.of(layers);
    ArrayNode w = n.putArray("weights");
    for (int l = 0; l < layers.size(); l++) {
      ObjectNode o = w.addObject();
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
      o.set("cosineToSeed", JSON.valueToTree(cosSeed));
      o.set("relativeDistanceToSeed", JSON.valueToTree(relDist));
      o.put("meanOffDiagonalCosine", sim.layers().get(l).meanOffDiagonal());
    }
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
    ObjectNode f = n.putObject("function");
    f.set("standaloneValidationLoss", JSON.valueToTree(standalone));
    f.set("totalVariationToSeed", JSON.valueToTree(tv));
    f.set("argmaxAgreementWithSeed", JSON.valueToTree(agree));
    f.put("positions", seed.length);
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

  private static String line(String label, JsonNode n) {
    StringBuilder sb = new StringBuilder(label).append(": ");
    if (n.has("stages")) {
      for (JsonNode st : n.get("stages")) {
        sb.append(st.get("stage").asText()).append(" val ").append(st.path("validation").path("losses"))
            .append(String.format(Locale.ROOT, " (%.1f s); ", st.get("seconds").asDouble()));
      }
      sb.append(String.format(Locale.ROOT, "stage1 average %.3f, held-out %.3f",
          n.get("stage1Average").asDouble(), n.get("stage1HeldOutAverage").asDouble()));
    } else {
      sb.append("val ").append(n.at("/validation/losses"))
          .append(String.format(Locale.ROOT, " %.4f -> %.4f change %.4f +- %.4f; train %.4f -> %.4f; ",
              n.get("validationBefore").asDouble(), n.get("validationAfter").asDouble(),
              n.get("validationChange").asDouble(), n.get("validationChangeStdError").asDouble(),
              n.get("trainLossFirst20").asDouble(), n.get("trainLossLast20").asDouble()))
          .append("cos ").append(n.at("/weights/0/cosineToSeed"))
          .append(" relDist ").append(n.at("/weights/0/relativeDistanceToSeed"))
          .append(String.format(Locale.ROOT, "; stage1 mix change %.4f +- %.4f;",
              n.get("stage1MixValidationChange").asDouble(),
              n.get("stage1MixValidationChangeStdError").asDouble()))
          .append(" tv ").append(n.at("/function/totalVariationToSeed"))
          .append(" standalone ").append(n.at("/function/standaloneValidationLoss"));
    }
    return sb.toString();
  }
}
