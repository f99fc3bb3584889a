package org.evomoe.examples.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.evomoe.diagnostics.DiagnosticReport;
import org.evomoe.diagnostics.ExpertSimilarity;
import org.evomoe.diagnostics.ModalityShares;
import org.evomoe.diagnostics.RouterLogitStats;
import org.evomoe.diagnostics.RouterShuffle;
import org.evomoe.diagnostics.RoutingEntropy;
import org.evomoe.diagnostics.StandaloneExperts;
import org.evomoe.evolution.EvolutionConfig;
import org.evomoe.examples.data.FashionMnist;
import org.evomoe.examples.data.FashionMnistDataset;
import org.evomoe.examples.data.instruct.InstructionConfig;
import org.evomoe.examples.data.instruct.InstructionDataGenerator;
import org.evomoe.examples.data.instruct.InstructionDataset;
import org.evomoe.examples.data.instruct.InstructionSample;
import org.evomoe.examples.data.instruct.InstructionTask;
import org.evomoe.examples.model.DecoderModel;
import org.evomoe.examples.model.ModelConfig;
import org.evomoe.examples.model.MoeSettings;
import org.evomoe.examples.model.MultiModalProjector;
import org.evomoe.examples.model.VisionConfig;
import org.evomoe.examples.model.VisionEncoder;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.text.WordTokenizer;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.moe.Upcycling;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.StepWorkspace;
import org.evomoe.tuning.MicroBatchStep;
import org.evomoe.tuning.OptimSettings;
import org.evomoe.tuning.StageConfig;
import org.evomoe.tuning.StageResult;
import org.evomoe.tuning.StageRunner;
import org.evomoe.tuning.Stages;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The EvoMoE demo: projector alignment and Stage I on a dense model, then three arms from the same
 * Stage I weights with the same step budget:
 *
 * <ol>
 *   <li><b>dense</b>: continued dense training;
 *   <li><b>moe-llava</b>: experts = copies of the Stage I FFN, {@link RoutingConfig#moeLlava()}
 *       (linear router, top-2 renormalised, alpha = 0.01), experts and router train;
 *   <li><b>evomoe</b>: Stage II expert evolution, then Stage III router training with {@link
 *       RoutingConfig#evoMoe()} (DTR, top-1, alpha = 0.001).
 * </ol>
 *
 * Each arm is scored on the test split, the two MoE arms get the routing diagnostics, and
 * everything is returned as the {@code results.json} tree.
 */
public final class DemoPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(DemoPipeline.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The three arms, in the order they run and are reported. */
  public static final List<String> ARMS = List.of("dense", "moe-llava", "evomoe");

  private final DemoSettings s;
  private final InstructionDataset data;
  private final WordTokenizer tokenizer;
  private final VisionConfig visionConfig;
  private final ModelConfig baseConfig;
  private final InstructionBatcher batcher;
  private final Evaluator evaluator;
  private final List<InstructionSample> captions;
  private final List<InstructionSample> evalSamples;
  private final List<InstructionSample> evalHeldOut;
  private final List<InstructionSample> diagSamples;

  public DemoPipeline(DemoSettings settings) throws IOException {
    this.s = settings;
    FashionMnistDataset fm = FashionMnist.load(settings.dataDir());
    this.data = InstructionDataGenerator.generate(fm, InstructionConfig.defaults(settings.seed()));
    List<InstructionSample> all = new ArrayList<>(data.train());
    all.addAll(data.test());
    all.addAll(data.testHeldOut());
    this.tokenizer = WordTokenizer.build(all);
    this.visionConfig = new VisionConfig(56, 56, settings.patch(), settings.dVision(), 1, 2,
        2 * settings.dVision(), 1e-5);
    int p = (56 / settings.patch()) * (56 / settings.patch());
    this.baseConfig = new ModelConfig(tokenizer.vocabularySize(), settings.dModel(),
        settings.layers(), settings.heads(), settings.kvHeads(), settings.ffnHidden(), 10000.0,
        1e-5, ModelConfig.everyOtherLayer(settings.layers()), MoeSettings.evoMoe(settings.experts()));
    this.batcher = new InstructionBatcher(tokenizer, p,
        InstructionBatcher.requiredLength(tokenizer, p, all), DataType.FLOAT);
    this.evaluator = new Evaluator(batcher, tokenizer, 64);
    this.captions = Evaluator.ofTasks(data.train(), InstructionTask.CAPTION);
    List<Integer> evalIndices = subset(data.test().size(), settings.evalSamples(), settings.seed());
    this.evalSamples = pick(data.test(), evalIndices);
    this.evalHeldOut = pick(data.testHeldOut(), evalIndices);
    this.diagSamples = pick(data.test(),
        subset(data.test().size(), settings.diagnosticSamples(), settings.seed() + 1));
  }

  public WordTokenizer tokenizer() {
    return tokenizer;
  }

  public InstructionDataset data() {
    return data;
  }

  public InstructionBatcher batcher() {
    return batcher;
  }

  /** A model with the demo's sizes; the same seed gives the same vision encoder and initial weights. */
  public VisionLanguageModel newModel(MoeSettings moe) {
    SplittableRandom rng = new SplittableRandom(s.seed());
    VisionEncoder vision = new VisionEncoder(visionConfig, DataType.FLOAT, rng);
    MultiModalProjector projector = new MultiModalProjector(visionConfig.dVision(), s.dModel(),
        DataType.FLOAT, rng);
    DecoderModel decoder = DecoderModel.create(baseConfig.withMoe(moe), DataType.FLOAT, rng);
    return new VisionLanguageModel(vision, projector, decoder);
  }

  /** Runs every arm; returns the results tree (also what {@code results.json} holds). */
  public ObjectNode run() {
    return run(ARMS);
  }

  /**
   * Runs alignment, Stage I and the given arms (any of {@link #ARMS}, in that order; none: stop
   * after Stage I).
   */
  public ObjectNode run(List<String> armsToRun) {
    for (String a : armsToRun) {
      if (!ARMS.contains(a)) {
        throw new IllegalArgumentException("unknown arm " + a + ", expected one of " + ARMS);
      }
    }
    long t0 = System.nanoTime();
    ObjectNode results = JSON.createObjectNode();
    results.put("version", 1);
    results.put("seed", s.seed());
    results.put("quick", s.quick());
    results.set("settings", JSON.valueToTree(s.withOut(s.out().toAbsolutePath())));
    ObjectNode dataNode = results.putObject("data");
    dataNode.put("source", s.dataDir() == null ? "embedded subset" : s.dataDir().toString());
    dataNode.put("train", data.train().size());
    dataNode.put("test", data.test().size());
    dataNode.put("evaluated", evalSamples.size());
    dataNode.put("vocabulary", tokenizer.vocabularySize());
    dataNode.put("sequenceLength", batcher.seqLen());
    ArrayNode stages = results.putArray("stages");

    // Shared: alignment and Stage I on one model (its MoE layers run their seed as a dense FFN).
    VisionLanguageModel base = newModel(baseConfig.moe());
    if (s.alignSteps() > 0) {
      stage(stages, "shared", base, Stages.alignment(optim(s.alignSteps(), s.lr())), captions, 1);
    }
    stage(stages, "shared", base, Stages.warmup(optim(s.stage1Steps(), s.lr())), data.train(), 2);
    seedOnly(base); // stages restore the layers' routing: the Stage I model is evaluated dense
    Map<String, INDArray> stage1 = snapshot(base);
    EvalResult stage1Eval = evaluator.evaluate(base, evalSamples, evalHeldOut);
    results.set("stage1", evalJson(stage1Eval));

    ArrayNode arms = results.putArray("arms");
    int budget = s.stage2Steps() + s.stage3Steps();
    saveModel("stage1", base);
    for (String arm : ARMS) {
      if (!armsToRun.contains(arm)) {
        continue;
      }
      VisionLanguageModel m;
      switch (arm) {
        case "dense" -> {
          m = newModel(baseConfig.moe());
          load(m, stage1);
          stage(stages, arm, m, Stages.denseContinued(optim(budget, s.lrAfter())), data.train(), 3);
          seedOnly(m);
        }
        case "moe-llava" -> {
          m = newModel(MoeSettings.moeLlava(s.experts()));
          load(m, stage1);
          for (MoeLayer moe : m.moeLayers()) {
            Upcycling.copyExpertIntoOthers(moe, 0);
          }
          stage(stages, arm, m, Stages.moeLlava(optim(budget, s.lrAfter()))
              .requiring(RoutingConfig.moeLlava()), data.train(), 4);
        }
        case "evomoe" -> {
          m = newModel(MoeSettings.evoMoe(s.experts()));
          load(m, stage1);
          stage(stages, arm, m, Stages.evolution(optim(s.stage2Steps(), s.lrAfter()),
              EvolutionConfig.paperDefaults(s.experts(), s.seed())), data.train(), 5);
          stage(stages, arm, m, Stages.dtr(optim(s.stage3Steps(), s.lrAfter()))
              .requiring(RoutingConfig.evoMoe()), data.train(), 6);
        }
        default -> throw new IllegalStateException(arm);
      }
      ObjectNode a = arms.addObject();
      a.put("arm", arm);
      EvalResult r = evaluator.evaluate(m, evalSamples, evalHeldOut);
      a.setAll(evalJson(r));
      LOG.info("{}: average accuracy {} in-template, {} held-out", arm,
          String.format(java.util.Locale.ROOT, "%.4f", r.average()),
          String.format(java.util.Locale.ROOT, "%.4f", r.heldOutAverage()));
      if (!arm.equals("dense")) {
        a.set("diagnostics", diagnostics(m));
      }
      saveModel(arm, m);
    }
    results.put("seconds", (System.nanoTime() - t0) / 1e9);
    return results;
  }

  /** Runs every MoE layer as its seed expert (the dense model of Stage I and the dense arm). */
  private static void seedOnly(VisionLanguageModel m) {
    for (MoeLayer moe : m.moeLayers()) {
      moe.forceExpert(0);
    }
  }

  /** Hook: saves a trained model under out/models/NAME (set by {@link #saveModelsWith}). */
  private void saveModel(String name, VisionLanguageModel m) {
    if (modelSaver != null) {
      modelSaver.save(name, m);
    }
  }

  /** Saves a trained model (the command line writes model checkpoints with it). */
  @FunctionalInterface
  public interface ModelSaver {
    void save(String name, VisionLanguageModel model);
  }

  private ModelSaver modelSaver;

  /** Every trained model (stage1 and each arm) is handed to {@code saver}. */
  public void saveModelsWith(ModelSaver saver) {
    this.modelSaver = saver;
  }

  private OptimSettings optim(int steps, double lr) {
    return new OptimSettings(steps, 1, lr, 0.03, 0.1, 0.0, 1.0);
  }

  private void stage(ArrayNode stages, String arm, VisionLanguageModel m, StageConfig stage,
      List<InstructionSample> pool, int salt) {
    ProgressBar bar = new ProgressBar(arm.equals("shared") ? stage.name() : arm + "/" + stage.name(),
        stage.optim().steps());
    MicroBatchStep step = (i, micro) -> ModelSteps.trainStep(m, batcher.batch(sample(pool, salt, i)));
    StageResult r = StageRunner.run(m, stage, step, (i, total, loss, lr) -> bar.update(i + 1, loss));
    ObjectNode n = stages.addObject();
    n.put("arm", arm);
    n.put("stage", r.name());
    n.put("steps", r.losses().length);
    n.put("seconds", r.seconds());
    n.put("tokensPerSecond", r.losses().length * (double) s.batchSize() * batcher.seqLen() / r.seconds());
    n.put("trainedParameters", r.trainedParameters());
    n.put("frozenParameters", r.frozenParameters());
    n.set("losses", JSON.valueToTree(r.losses()));
  }

  /** The batch of step i: a function of (seed, stage, step) only, so runs are reproducible. */
  private List<InstructionSample> sample(List<InstructionSample> pool, int salt, int step) {
    SplittableRandom rng = new SplittableRandom(s.seed() * 1_000_003L + salt * 100_003L + step);
    List<InstructionSample> b = new ArrayList<>(s.batchSize());
    for (int i = 0; i < s.batchSize(); i++) {
      b.add(pool.get(rng.nextInt(pool.size())));
    }
    return b;
  }

  private JsonNode diagnostics(VisionLanguageModel m) {
    List<MoeLayer> layers = m.moeLayers();
    Runnable pass = () -> {
      for (int from = 0; from < diagSamples.size(); from += 64) {
        InstructionBatch b = batcher.batch(diagSamples.subList(from, Math.min(diagSamples.size(), from + 64)));
        try (MemoryWorkspace ignored = StepWorkspace.open("diagnostics")) {
          ModelSteps.logits(m, b);
        }
      }
    };
    java.util.function.DoubleSupplier metric = () -> evaluator.evaluate(m, diagSamples).average();
    ObjectNode d = JSON.createObjectNode();
    put(d, "modalityShares", ModalityShares.measure(layers, pass));
    put(d, "routerLogits", RouterLogitStats.measure(layers, pass));
    put(d, "routing", RoutingEntropy.measure(layers, pass));
    put(d, "shuffle", RouterShuffle.run(layers, metric, s.seed(), s.seed() + 1, s.seed() + 2));
    put(d, "standalone", StandaloneExperts.run(layers, metric));
    put(d, "similarity", ExpertSimilarity.of(layers));
    return d;
  }

  private static void put(ObjectNode n, String field, DiagnosticReport r) {
    try {
      n.set(field, JSON.readTree(r.toJson()));
    } catch (IOException e) {
      throw new IllegalStateException("diagnostic " + field + " produced invalid JSON", e);
    }
  }

  /**
   * The JSON of one evaluation: tasks, pope, average (in-template), and when measured {@code
   * heldOut} with the same three fields for the held-out wordings.
   */
  public static ObjectNode evalJson(EvalResult r) {
    ObjectNode n = scoresJson(r.tasks(), r.pope(), r.average());
    if (r.hasHeldOut()) {
      n.set("heldOut", scoresJson(r.heldOutTasks(), r.heldOutPope(), r.heldOutAverage()));
    }
    return n;
  }

  private static ObjectNode scoresJson(Map<String, TaskScore> taskScores,
      Map<String, PopeScore> popeScores, double average) {
    ObjectNode n = JSON.createObjectNode();
    ObjectNode tasks = n.putObject("tasks");
    taskScores.forEach((name, t) -> {
      ObjectNode o = tasks.putObject(name);
      o.put("accuracy", t.accuracy());
      o.put("correct", t.correct());
      o.put("total", t.total());
    });
    ObjectNode pope = n.putObject("pope");
    popeScores.forEach((name, p) -> {
      ObjectNode o = pope.putObject(name);
      o.put("accuracy", p.accuracy());
      o.put("precision", p.precision());
      o.put("recall", p.recall());
      o.put("f1", p.f1());
      o.put("yesRatio", p.yesRatio());
      o.put("total", p.total());
    });
    n.put("average", average);
    return n;
  }

  static Map<String, INDArray> snapshot(VisionLanguageModel m) {
    Map<String, INDArray> w = new HashMap<>();
    for (Parameter p : m.parameters()) {
      w.put(p.name(), p.value().dup());
    }
    return w;
  }

  /** Copies every weight whose name and shape match; the rest (new routers) keep their init. */
  static void load(VisionLanguageModel m, Map<String, INDArray> weights) {
    for (Parameter p : m.parameters()) {
      INDArray w = weights.get(p.name());
      if (w != null && java.util.Arrays.equals(w.shape(), p.value().shape())) {
        p.value().assign(w);
      }
    }
  }

  /** Indices of n of size items (a seeded shuffle), or all indices in order when n is 0 or >= size. */
  private static List<Integer> subset(int size, int n, long seed) {
    List<Integer> idx = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      idx.add(i);
    }
    if (n <= 0 || n >= size) {
      return idx;
    }
    java.util.Collections.shuffle(idx, new java.util.Random(seed));
    return List.copyOf(idx.subList(0, n));
  }

  private static List<InstructionSample> pick(List<InstructionSample> all, List<Integer> indices) {
    List<InstructionSample> out = new ArrayList<>(indices.size());
    for (int i : indices) {
      out.add(all.get(i));
    }
    return List.copyOf(out);
  }
}
