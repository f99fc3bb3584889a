package org.evomoe.examples.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.evomoe.moe.RoutingTotals;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.StepWorkspace;
import org.evomoe.tuning.BatchTotals;
import org.evomoe.tuning.MicroBatchStep;
import org.evomoe.tuning.ShardedStep;
import org.evomoe.tuning.TunableModel;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import scala.Tuple2;

/**
 * Synchronous data parallelism on Spark, as the {@link MicroBatchStep} of an ordinary {@link
 * org.evomoe.tuning.StageTrainer}: each micro-batch of the stage is split into {@code shards}
 * shards computed by Spark tasks, and their summed gradient lands in the driver model's gradient
 * buffers, where the trainer averages micro-batches, lets expert evolution snapshot the seed's
 * gradient, clips, steps AdamW and evolves, exactly as in one process.
 *
 * <p>One micro-batch:
 *
 * <ol>
 *   <li>the driver model's state is broadcast: all values at the stage's first step (with the
 *       trainable flags, forced experts and routing), then per step the values that changed
 *       ({@link ModelState});
 *   <li>only when some MoE layer routes, pass 1 (a Spark job): each shard runs forward and reports
 *       its counted tokens and routing totals ({@link ShardedStep#totals}); their sum, exact in
 *       any order, is the global batch's;
 *   <li>pass 2 (a Spark job): each shard runs forward and backward normalised by the global totals
 *       ({@link ShardedStep#run}) and returns its loss share and gradient; without routing, each
 *       shard normalises by its own counted tokens and its result is weighted by them, which is
 *       the same sum, since the loss is then linear in the tokens' terms. {@code treeAggregate}
 *       sums them in a fixed pairwise order ({@link GradientSum}), so the result is bit-identical
 *       on every run, retry and resume.
 * </ol>
 *
 * <p>A task that fails is retried by Spark on a fresh replica ({@link Replicas}); shards build
 * their data from (step, micro-batch, shard), so a retry computes the same numbers.
 */
public final class SparkDataParallel implements MicroBatchStep, AutoCloseable {
  private static final String WORKSPACE = "spark-shard";

  private final JavaSparkContext sc;
  private final TunableModel model;
  private final ShardWorkload workload;
  private final int shards;
  private final String runId = UUID.randomUUID().toString();
  private final AtomicLong states = new AtomicLong();
  private final StepCost cost = new StepCost();
  private volatile BatchTotals lastTotals;
  private ModelState baseState; // the stage's base, broadcast at its first step
  private Broadcast<ModelState> base;

  /**
   * @param sc the Spark context
   * @param model the driver's model, trained by the stage
   * @param workload builds replicas and shards on the executors
   * @param shards shards per micro-batch (one Spark task each), >= 1
   */
  public SparkDataParallel(JavaSparkContext sc, TunableModel model, ShardWorkload workload,
      int shards) {
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be >= 1, got " + shards);
    }
    this.sc = sc;
    this.model = model;
    this.workload = workload;
    this.shards = shards;
  }

  /** The global batch totals of the last micro-batch (the sum of its shards'), or null. */
  public BatchTotals lastTotals() {
    return lastTotals;
  }

  /** What the steps so far cost (time per pass, bytes moved). */
  public StepCost cost() {
    return cost;
  }

  @Override
  public double run(int step, int microBatch) {
    long t0 = System.nanoTime();
    long baseBytes = 0;
    if (base == null) {
      // The stage's first step: every value once (the stage's freezing and routing are set).
      baseState = ModelState.base(runId + "/base", model);
      base = sc.broadcast(baseState);
      baseBytes = baseState.valueBytes();
    }
    ModelState delta = ModelState.delta(runId + "/" + states.incrementAndGet(), baseState, model);
    boolean routed = model.moeLayers().stream().anyMatch(l -> l.forcedExpert() < 0);
    long t1 = System.nanoTime();
    Broadcast<ModelState> d = sc.broadcast(delta);
    Broadcast<ModelState> b = base;
    try {
      List<Integer> ids = new ArrayList<>(shards);
      for (int s = 0; s < shards; s++) {
        ids.add(s);
      }
      JavaRDD<Integer> rdd = sc.parallelize(ids, shards);
      ShardWorkload w = workload;
      int n = shards;
      BatchTotals global = null;
      if (routed) {
        global = rdd.map(s -> totals(w, b, d, step, microBatch, s, n)).reduce(BatchTotals::plus);
        lastTotals = global;
      }
      long t2 = System.nanoTime();
      BatchTotals g = global;
      GradientSum sum = rdd.map(s -> new Tuple2<>(s, gradient(w, b, d, g, step, microBatch, s, n)))
          .treeAggregate(new GradientSum(n), (a, r) -> a.add(r._1(), r._2()), GradientSum::merge, 2);
      double[] v = sum.result();
      long t3 = System.nanoTime();
      // Two passes: the shards are normalised by the batch's totals (weight 1 each). One pass:
      // each shard's mean is weighted by its counted tokens, and the sum divided by theirs.
      double divisor = routed ? 1 : v[0];
      addGradients(v, divisor);
      long t4 = System.nanoTime();
      cost.record(t1 - t0, t2 - t1, t3 - t2, t4 - t3, baseBytes + delta.valueBytes(),
          (long) n * resultBytes(v.length - 2));
      return divisor == 0 ? 0 : v[1] / divisor;
    } finally {
      d.destroy();
    }
  }

  /** Bytes of one shard's gradient in the driver model's precision. */
  private long resultBytes(int scalars) {
    boolean doubles = model.parameters().stream().anyMatch(
        p -> p.trainable() && p.value().dataType() == org.nd4j.linalg.api.buffer.DataType.DOUBLE);
    return (doubles ? 8L : 4L) * scalars + 16;
  }

  /** Frees the stage's base broadcast; the step is not used afterwards. */
  @Override
  public void close() {
    if (base != null) {
      base.destroy();
      base = null;
    }
  }

  /** Adds the summed gradient (after the loss slot) to the driver's trainable parameters. */
  private void addGradients(double[] v, double divisor) {
    double scale = divisor == 0 ? 0 : 1 / divisor;
    int at = 2;
    for (Parameter p : model.parameters()) {
      if (!p.trainable()) {
        continue;
      }
      int len = Math.toIntExact(p.length());
      double[] g = new double[len];
      for (int i = 0; i < len; i++) {
        g[i] = scale == 1 ? v[at + i] : v[at + i] * scale;
      }
      at += len;
      INDArray ga = Nd4j.create(g, p.value().shape(), 'c').castTo(p.value().dataType());
      p.grad().addi(ga);
    }
    if (at != v.length) {
      throw new IllegalStateException("the shards returned " + (v.length - 2)
          + " gradient scalars, the driver's trainable parameters have " + (at - 2));
    }
  }

  private static BatchTotals totals(ShardWorkload w, Broadcast<ModelState> b,
      Broadcast<ModelState> d, int step, int micro, int shard, int shards) {
    Replicas.Replica r = Replicas.take(w, b.value(), d.value());
    BatchTotals t;
    try (MemoryWorkspace ignored = StepWorkspace.open(WORKSPACE)) {
      t = w.steps(r.model).totals(step, micro, shard, shards);
    }
    Replicas.give(w, r);
    return t;
  }

  /**
   * Shard {@code shard}'s result: with {@code global} (two passes), normalised by the batch's
   * totals, weight 1; without (no MoE layer routes), normalised by its own counted tokens and
   * weighted by them.
   */
  private static ShardVector gradient(ShardWorkload w, Broadcast<ModelState> b,
      Broadcast<ModelState> d, BatchTotals global, int step, int micro, int shard, int shards) {
    Replicas.Replica r = Replicas.take(w, b.value(), d.value());
    ShardVector v;
    ShardedStep steps = w.steps(r.model);
    BatchTotals norm = global;
    double weight = 1;
    if (norm == null) {
      long counted = steps.countedTokens(step, micro, shard, shards);
      norm = new BatchTotals(counted, r.model.moeLayers().stream()
          .map(l -> RoutingTotals.empty(l.config().numExperts())).toList());
      weight = counted;
    }
    BatchTotals.applyTo(r.model.moeLayers(), norm);
    try (MemoryWorkspace ignored = StepWorkspace.open(WORKSPACE)) {
      double loss = steps.run(step, micro, shard, shards, norm);
      v = ModelState.gradients(r.model, weight, loss);
    } finally {
      BatchTotals.applyTo(r.model.moeLayers(), null);
    }
    Replicas.give(w, r);
    return v;
  }
}
