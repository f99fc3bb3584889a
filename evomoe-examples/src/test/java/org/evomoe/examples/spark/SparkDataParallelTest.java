package org.evomoe.examples.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.evomoe.checkpoint.LoadOptions;
import org.evomoe.checkpoint.TrainingCheckpoint;
import org.evomoe.evolution.EvolutionConfig;
import org.evomoe.moe.RoutingTotals;
import org.evomoe.tensor.Parameter;
import org.evomoe.tuning.BatchTotals;
import org.evomoe.tuning.MicroBatchStep;
import org.evomoe.tuning.OptimSettings;
import org.evomoe.tuning.StageConfig;
import org.evomoe.tuning.StageResult;
import org.evomoe.tuning.StageTrainer;
import org.evomoe.tuning.Stages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training on Spark ({@code local[2,4]}) against one process running the whole
 * global micro-batch, in double precision: same parameters to 1e-9 after several steps with
 * micro-batch accumulation, clipping, weight decay, top-2 routing with load-balancing and z-loss,
 * uneven shards, a shard that gives an expert no token, expert evolution and frozen parameters;
 * retried tasks and resumed runs give bit-identical results.
 */
class SparkDataParallelTest {
  static final double TOL = 1e-9;
  /** Clipping at 0.05 is active on these gradients; weight decay on; two micro-batches a step. */
  static final OptimSettings OPTIM = new OptimSettings(4, 2, 0.02, 0.25, 0.1, 0.01, 0.05);

  static ShardToy.Workload workload(int topK, int batchSize, int[] bounds, ShardToy.Fault fault) {
    return new ShardToy.Workload(topK, 0.05, 0.01, 21, 5, batchSize, bounds, fault, false);
  }

  /** Runs the stages in order on a fresh model; returns it (and the stage results in out). */
  static ShardToy train(ShardToy.Workload w, List<StageConfig> stages, int shards,
      List<StageResult> out) {
    ShardToy m = (ShardToy) w.newModel();
    for (StageConfig st : stages) {
      MicroBatchStep step = shards == 0 ? m.oneProcess(w.dataSeed(), w.batchSize())
          : new SparkDataParallel(SparkTestContext.get(), m, w, shards);
      try (StageTrainer t = new StageTrainer(m, st, step)) {
        out.add(t.runToEnd(null));
      }
    }
    return m;
  }

  static double maxDiff(ShardToy a, ShardToy b) {
    double max = 0;
    List<Parameter> pa = a.parameters();
    List<Parameter> pb = b.parameters();
    for (int i = 0; i < pa.size(); i++) {
      double[] x = pa.get(i).value().ravel().toDoubleVector();
      double[] y = pb.get(i).value().ravel().toDoubleVector();
      for (int j = 0; j < x.length; j++) {
        max = Math.max(max, Math.abs(x[j] - y[j]));
      }
    }
    return max;
  }

  static void assertSameBits(ShardToy a, ShardToy b) {
    List<Parameter> pa = a.parameters();
    List<Parameter> pb = b.parameters();
    for (int i = 0; i < pa.size(); i++) {
      assertArrayEquals(pa.get(i).value().ravel().toDoubleVector(),
          pb.get(i).value().ravel().toDoubleVector(), 0.0, pa.get(i).name());
    }
  }

  static void assertCurvesClose(List<StageResult> a, List<StageResult> b) {
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i).losses(), b.get(i).losses(), TOL, a.get(i).name() + " losses");
      assertArrayEquals(a.get(i).gradNorms(), b.get(i).gradNorms(), TOL,
          a.get(i).name() + " gradient norms");
    }
  }

  @Test
  void twoAndThreeWorkersEqualOneProcessWithTheWholeBatch() {
    ShardToy.Workload w = workload(2, 6, null, null);
    List<StageConfig> stages = List.of(Stages.moeLlava(OPTIM));
    List<StageResult> one = new ArrayList<>();
    ShardToy reference = train(w, stages, 0, one);
    ShardToy start = (ShardToy) w.newModel();
    assertTrue(maxDiff(reference, start) > 1e-3, "training moved the parameters");
    for (int shards : new int[] {2, 3}) {
      List<StageResult> spark = new ArrayList<>();
      ShardToy m = train(w, stages, shards, spark);
      double d = maxDiff(reference, m);
      assertTrue(d < TOL, shards + " workers differ from one process by " + d);
      assertCurvesClose(one, spark);
      assertTrue(one.get(0).gradNorms()[0] > OPTIM.maxGradNorm(), "clipping is active");
    }
  }

  @Test
  void unevenShardsAndAShardThatGivesAnExpertNoTokenEqualOneProcess() {
    // Shard 0: sample 0 alone, two real rows; top-1 over four experts leaves experts idle there.
    ShardToy.Workload w = workload(1, 7, new int[] {0, 1, 7}, null);
    ShardToy probe = (ShardToy) w.newModel();
    BatchTotals shard0 = w.steps(probe).totals(0, 0, 0, 2);
    for (RoutingTotals t : shard0.layers()) {
      assertTrue(Arrays.stream(t.assignments()).anyMatch(c -> c == 0), t.toString());
    }
    List<StageConfig> stages = List.of(Stages.moeLlava(OPTIM));
    List<StageResult> one = new ArrayList<>();
    ShardToy reference = train(w, stages, 0, one);
    List<StageResult> spark = new ArrayList<>();
    ShardToy m = train(w, stages, 2, spark);
    assertTrue(maxDiff(reference, m) < TOL, "differs by " + maxDiff(reference, m));
    assertCurvesClose(one, spark);
  }

  @Test
  void aggregatedRoutingTotalsEqualTheWholeBatchs() {
    ShardToy.Workload w = workload(2, 7, new int[] {0, 1, 4, 7}, null);
    ShardToy m = (ShardToy) w.newModel();
    SparkDataParallel dp = new SparkDataParallel(SparkTestContext.get(), m, w, 3);
    try (StageTrainer t = new StageTrainer(m, Stages.moeLlava(OPTIM), dp)) {
      t.step();
      // The whole batch of the last micro-batch (step 0, micro-batch 1) in one forward.
      ShardToy whole = (ShardToy) w.newModel();
      ShardToy.Batch b = ShardToy.batch(w.dataSeed(), 0, 1, 0, 7);
      whole.forward(b);
      BatchTotals expected = BatchTotals.of(b.countedRows(), whole.moeLayers());
      assertEquals(expected, dp.lastTotals());
      long real = 0;
      for (boolean r : b.real()) {
        real += r ? 1 : 0;
      }
      for (RoutingTotals layer : expected.layers()) {
        assertEquals(real, layer.tokens());
        assertEquals(2 * real, Arrays.stream(layer.assignments()).sum()); // top-2
      }
    }
  }

  @Test
  void evolutionAndFrozenParametersBehaveAsInOneProcess() {
    ShardToy.Workload w = workload(2, 6, null, null);
    OptimSettings o = new OptimSettings(3, 1, 0.02, 0.0, 0.0, 0.0, 1.0);
    List<StageConfig> stages = List.of(Stages.warmup(o),
        Stages.evolution(o, EvolutionConfig.paperDefaults(ShardToy.E, 9)), Stages.dtr(o));
    List<StageResult> one = new ArrayList<>();
    ShardToy reference = train(w, stages, 0, one);
    List<StageResult> spark = new ArrayList<>();
    ShardToy m = train(w, stages, 2, spark);
    assertTrue(maxDiff(reference, m) < TOL, "differs by " + maxDiff(reference, m));
    assertCurvesClose(one, spark);
    // Stage III trains only the routers: the head (frozen there) equals Stage II's end exactly.
    assertTrue(spark.get(2).frozenParameters() > 0);
  }

  @Test
  void aStageBroadcastsAllValuesOnceThenOnlyWhatTrains() {
    ShardToy.Workload w = workload(1, 6, null, null);
    ShardToy m = (ShardToy) w.newModel();
    OptimSettings o = new OptimSettings(3, 2, 0.02, 0.0, 0.0, 0.0, 1.0);
    try (SparkDataParallel dp = new SparkDataParallel(SparkTestContext.get(), m, w, 2);
        StageTrainer t = new StageTrainer(m, Stages.dtr(o), dp)) {
      t.runToEnd(null);
      long all = 0;
      long routers = 0;
      for (Parameter p : m.parameters()) {
        all += p.length();
        routers += p.name().contains(".gate.") ? p.length() : 0;
      }
      StepCost c = dp.cost();
      assertEquals(6, c.microBatches());
      // Doubles: the base (every value) once, then the routers' values per micro-batch.
      assertEquals((8.0 * all + 6 * 8.0 * routers) / 6, c.broadcastBytesPerMicroBatch(), 1e-9);
      assertEquals(2 * (8.0 * routers + 16), c.resultBytesPerMicroBatch(), 1e-9);
      assertTrue(routers < all / 10);
    }
  }

  /** Failures injected by the test: counted here (local mode runs tasks in this JVM). */
  static final AtomicInteger FAILURES = new AtomicInteger();

  @Test
  void aTaskThatFailsMidStepIsRetriedAndTheResultIsUnchanged() {
    ShardToy.Workload clean = workload(2, 6, null, null);
    ShardToy.Workload faulty = workload(2, 6, null, (step, micro, shard) -> {
      TaskContext tc = TaskContext.get();
      if (step == 1 && micro == 0 && shard == 1 && tc != null && tc.attemptNumber() == 0) {
        FAILURES.incrementAndGet();
        throw new IllegalStateException("injected failure of shard 1 at step 1");
      }
    });
    List<StageConfig> stages = List.of(Stages.moeLlava(OPTIM));
    ShardToy a = train(clean, stages, 2, new ArrayList<>());
    int before = FAILURES.get();
    ShardToy b = train(faulty, stages, 2, new ArrayList<>());
    assertEquals(before + 1, FAILURES.get(), "the fault was injected once and retried");
    assertSameBits(a, b);
  }

  @Test
  void aKilledRunResumesFromItsLastCheckpointWithIdenticalResults(@TempDir Path dir)
      throws Exception {
    // Float32: training checkpoints keep the optimiser moments in float32.
    ShardToy.Workload w = new ShardToy.Workload(2, 0.05, 0.01, 21, 5, 6, null, null, true);
    StageConfig stage = Stages.moeLlava(new OptimSettings(5, 2, 0.02, 0.2, 0.1, 0.01, 0.05));
    JavaSparkContext sc = SparkTestContext.get();
    ShardToy uninterrupted = train(w, List.of(stage), 2, new ArrayList<>());
    // A run that checkpoints after every step and is abandoned after step 3 (killed).
    ShardToy killed = (ShardToy) w.newModel();
    try (StageTrainer t = new StageTrainer(killed, stage, new SparkDataParallel(sc, killed, w, 2))) {
      for (int i = 0; i < 3; i++) {
        t.step();
        TrainingCheckpoint.save(dir, "step-" + t.nextStep(), killed.parameters(),
            t.exportState(), null);
      }
    }
    // A new driver resumes from the newest checkpoint.
    ShardToy resumed = (ShardToy) w.newModel();
    try (StageTrainer t = new StageTrainer(resumed, stage,
        new SparkDataParallel(sc, resumed, w, 2))) {
      Path latest = TrainingCheckpoint.latest(dir).orElseThrow();
      t.restoreState(TrainingCheckpoint.load(latest, resumed.parameters(), LoadOptions.defaults()));
      assertEquals(3, t.nextStep());
      t.runToEnd(null);
    }
    assertSameBits(uninterrupted, resumed);
  }
}
