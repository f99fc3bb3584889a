package org.evomoe.examples.pipeline;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.evomoe.checkpoint.LoadOptions;
import org.evomoe.checkpoint.Safetensors;
import org.evomoe.checkpoint.SafetensorsFile;
import org.evomoe.checkpoint.Tensor;
import org.evomoe.diagnostics.ExpertOutputSimilarity;
import org.evomoe.diagnostics.ExpertSimilarity;
import org.evomoe.diagnostics.ModalitySeparation;
import org.evomoe.diagnostics.ModalityShares;
import org.evomoe.diagnostics.RouterLogitStats;
import org.evomoe.diagnostics.RouterShuffle;
import org.evomoe.diagnostics.RoutingEntropy;
import org.evomoe.diagnostics.StandaloneExperts;
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
import org.evomoe.router.RouterKind;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.StepWorkspace;
import org.evomoe.tuning.MicroBatchStep;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;

/**
 * Everything one seed of the demo needs, shared by all its arms: the instruction data of the seed,
 * the tokenizer, the batcher, the evaluation and diagnostic samples, models of the demo's sizes,
 * the batch order and the scoring. The stages themselves are run by {@code
 * org.evomoe.examples.study.StudyRunner} (for {@code demo}, {@code train} and {@code study}).
 *
 * <p>Thread safety: after construction the instance is read-only; several models of the seed may
 * train and be scored on different threads at once.
 */
public final class DemoPipeline {
  private static final int EVAL_BATCH = 64;

  /** The data a stage draws its batches from; each has its own batch order. */
  public enum Pool {
    /** Captions only (projector alignment). */
    CAPTIONS(1),
    /** The training split (Stage I). */
    STAGE1(2),
    /**
     * The training split after Stage I: one order per seed shared by every arm (paired design),
     * indexed by the post-Stage-I step.
     */
    ARMS(3);

    private final int salt;

    Pool(int salt) {
      this.salt = salt;
    }
  }

  private final DemoSettings s;
  private final InstructionDataset data;
  private final WordTokenizer tokenizer;
  private final VisionConfig visionConfig;
  private final ModelConfig baseConfig;
  private final InstructionBatcher batcher;
  private final Evaluator evaluator;
  private final List<InstructionSample> captions;
  private final List<InstructionSample> trainPool;
  private final ValidationLoss validation; // null when settings.validationSamples() is 0
  private final List<InstructionSample> evalSamples;
  private final List<InstructionSample> evalHeldOut;
  private final List<InstructionSample> diagSamples;

  /** The pipeline of {@code settings.seed()}. */
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
    this.evaluator = new Evaluator(batcher, tokenizer, EVAL_BATCH);
    // Validation: the last validationSamples of the (shuffled) training split, never trained on.
    int nTrain = data.train().size() - settings.validationSamples();
    if (nTrain < settings.batchSize()) {
      throw new IllegalArgumentException("validationSamples " + settings.validationSamples()
          + " leaves " + nTrain + " of " + data.train().size() + " training samples");
    }
    this.trainPool = data.train().subList(0, nTrain);
    this.validation = settings.validationSamples() == 0 ? null
        : new ValidationLoss(batcher, data.train().subList(nTrain, data.train().size()), EVAL_BATCH);
    this.captions = Evaluator.ofTasks(trainPool, InstructionTask.CAPTION);
    List<Integer> evalIndices = subset(data.test().size(), settings.evalSamples(), settings.seed());
    this.evalSamples = pick(data.test(), evalIndices);
    this.evalHeldOut = pick(data.testHeldOut(), evalIndices);
    this.diagSamples = pick(data.test(),
        subset(data.test().size(), settings.diagnosticSamples(), settings.seed() + 1));
  }

  public DemoSettings settings() {
    return s;
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

  /** The training samples the stages draw from (the training split less the validation samples). */
  public List<InstructionSample> trainPool() {
    return trainPool;
  }

  /** The validation loss of the held-out training samples, or null when validation is off. */
  public ValidationLoss validation() {
    return validation;
  }

  /** The test samples every model of this seed is scored on. */
  public List<InstructionSample> evalSamples() {
    return evalSamples;
  }

  /** The MoE settings of the Stage I model (its MoE layers run their seed as a dense FFN). */
  public MoeSettings baseMoe() {
    return baseConfig.moe();
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

  /**
   * The samples of step {@code step} of {@code pool}: a function of (seed, pool, step) only, so
   * every arm of a seed sees the same batches in the same order and a resumed run the same batches
   * as an uninterrupted one.
   */
  public List<InstructionSample> batch(Pool pool, int step) {
    List<InstructionSample> from = pool == Pool.CAPTIONS ? captions : trainPool;
    SplittableRandom rng = new SplittableRandom(s.seed() * 1_000_003L + pool.salt * 100_003L + step);
    List<InstructionSample> b = new ArrayList<>(s.batchSize());
    for (int i = 0; i < s.batchSize(); i++) {
      b.add(from.get(rng.nextInt(from.size())));
    }
    return b;
  }

  /**
   * One training step of {@code model} on the batches of {@code pool}: stage step {@code i} takes
   * the batch of pool step {@code offset + i}.
   */
  public MicroBatchStep steps(VisionLanguageModel model, Pool pool, int offset) {
    return (i, micro) -> ModelSteps.trainStep(model, batcher.batch(batch(pool, offset + i)));
  }

  /**
   * Scores a model on the seed's evaluation samples, in their training wordings and in the
   * held-out wordings of the same questions.
   */
  public EvalResult evaluate(VisionLanguageModel m) {
    return evaluator.evaluate(m, evalSamples, evalHeldOut);
  }

  /**
   * The routing diagnostics of a MoE model on the diagnostic samples (see {@link
   * PipelineDiagnostics} for the reports); {@code separationAtRouterInit} only for models with a
   * DTR: the same model with its routers reset to their initial weights, the baseline of how much
   * separation the modality input alone gives.
   */
  public PipelineDiagnostics diagnostics(VisionLanguageModel m) {
    List<MoeLayer> layers = m.moeLayers();
    Runnable pass = diagnosticPass(m);
    java.util.function.DoubleSupplier metric = () -> evaluator.evaluate(m, diagSamples).average();
    ModalityShares shares = ModalityShares.measure(layers, pass);
    RouterLogitStats logits = RouterLogitStats.measure(layers, pass);
    RoutingEntropy routing = RoutingEntropy.measure(layers, pass);
    RouterShuffle shuffle = RouterShuffle.run(layers, metric, s.seed(), s.seed() + 1, s.seed() + 2);
    StandaloneExperts standalone = StandaloneExperts.run(layers, metric);
    ExpertSimilarity similarity = ExpertSimilarity.of(layers);
    ModalitySeparation separation = ModalitySeparation.measure(layers, pass);
    ExpertOutputSimilarity outputs = ExpertOutputSimilarity.measure(layers, pass);
    ModalitySeparation atRouterInit = null;
    if (layers.stream().anyMatch(l -> l.routing().routerKind() == RouterKind.DTR)) {
      VisionLanguageModel init = withInitialRouters(m);
      atRouterInit = ModalitySeparation.measure(init.moeLayers(), diagnosticPass(init));
    }
    return new PipelineDiagnostics(shares, logits, routing, shuffle, standalone, similarity,
        separation, outputs, atRouterInit);
  }

  /** One forward pass of {@code m} over the diagnostic samples (for routing observers). */
  public Runnable diagnosticPass(VisionLanguageModel m) {
    return () -> {
      for (int from = 0; from < diagSamples.size(); from += EVAL_BATCH) {
        InstructionBatch b = batcher.batch(diagSamples.subList(from, Math.min(diagSamples.size(), from + EVAL_BATCH)));
        try (MemoryWorkspace ignored = StepWorkspace.open("diagnostics")) {
          ModelSteps.logits(m, b);
        }
      }
    };
  }

  /**
   * A copy of {@code m} (same routing) whose routers ({@code model.layers.i.mlp.gate.*}) have the
   * seed's initial weights and every other parameter {@code m}'s trained value.
   */
  VisionLanguageModel withInitialRouters(VisionLanguageModel m) {
    VisionLanguageModel init = newModel(
        org.evomoe.examples.checkpoint.ModelSpec.of(m).decoder().moe()); // the layers' settings
    Map<String, Parameter> trained = new HashMap<>();
    for (Parameter p : m.parameters()) {
      trained.put(p.name(), p);
    }
    for (Parameter p : init.parameters()) {
      if (!p.name().contains(".mlp.gate.")) {
        p.value().assign(trained.get(p.name()).value());
      }
    }
    return init;
  }

  /**
   * Copies every tensor of a safetensors file whose name and shape match a parameter of {@code m};
   * the other parameters (new routers, experts of another count) keep their initial values.
   */
  public static void loadMatching(VisionLanguageModel m, Path file) throws IOException {
    SafetensorsFile f = Safetensors.read(file, LoadOptions.defaults());
    for (Parameter p : m.parameters()) {
      Tensor t = f.tensors().get(p.name());
      if (t != null && Arrays.equals(t.shape(), p.value().shape())) {
        p.value().assign(t.toINDArray().castTo(p.value().dataType()));
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
