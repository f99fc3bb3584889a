package org.evomoe.examples.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
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
 *   <li>the driver model's state (weights, trainable flags, forced experts) is broadcast;
 *   <li>pass 1 (a Spark job): each shard runs forward and reports its counted tokens and routing
 *       totals ({@link ShardedStep#totals}); their sum, exact in any order, is the global batch's;
 *   <li>pass 2 (a second job): each shard runs forward and backward normalised by the global
 *       totals ({@link ShardedStep#run}) and returns its loss share and gradient; {@code
 *       treeAggregate} sums them in a fixed pairwise order ({@link GradientSum}), so the result
 *       is bit-identical on every run, retry and resume.
 * </ol>
 *
 * <p>A task that fails is retried by Spark on a fresh replica ({@link Replicas}); shards build
 * their data from (step, micro-batch, shard), so a retry computes the same numbers.
 */
public final class SparkDataParallel implements MicroBatchStep {
  private static final String WORKSPACE = "spark-shard";

  private final JavaSparkContext sc;
  private final TunableModel model;
  private final ShardWorkload workload;
  private final int shards;
  private final String runId = UUID.randomUUID().toString();
  private final AtomicLong states = new AtomicLong();
  private final StepCost cost = new StepCost();
  private volatile BatchTotals lastTotals;

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
    ModelState state = ModelState.capture(runId + "/" + states.incrementAndGet(), model);
    long t1 = System.nanoTime();
    Broadcast<ModelState> b = sc.broadcast(state);
    try {
      List<Integer> ids = new ArrayList<>(shards);
      for (int s = 0; s < shards; s++) {
        ids.add(s);
      }
      JavaRDD<Integer> rdd = sc.parallelize(ids, shards);
      ShardWorkload w = workload;
      int n = shards;
      BatchTotals global = rdd.map(s -> totals(w, b, step, microBatch, s, n))
          .reduce(BatchTotals::plus);
      lastTotals = global;
      long t2 = System.nanoTime();
      GradientSum sum = rdd.map(s -> new Tuple2<>(s, gradient(w, b, global, step, microBatch, s, n)))
          .treeAggregate(new GradientSum(n), (a, r) -> a.add(r._1(), r._2()), GradientSum::merge, 2);
      double[] v = sum.result();
      long t3 = System.nanoTime();
      addGradients(v);
      long t4 = System.nanoTime();
      cost.record(t1 - t0, t2 - t1, t3 - t2, t4 - t3, state.valueBytes(),
          8L * v.length * n);
      return v[0];
    } finally {
      b.destroy();
    }
  }

  /** Adds the summed gradient (after the loss slot) to the driver's trainable parameters. */
  private void addGradients(double[] v) {
    int at = 1;
    for (Parameter p : model.parameters()) {
      if (!p.trainable()) {
        continue;
      }
      int len = Math.toIntExact(p.length());
      double[] g = new double[len];
      System.arraycopy(v, at, g, 0, len);
      at += len;
      INDArray ga = Nd4j.create(g, p.value().shape(), 'c').castTo(p.value().dataType());
      p.grad().addi(ga);
    }
    if (at != v.length) {
      throw new IllegalStateException("the shards returned " + (v.length - 1)
          + " gradient scalars, the driver's trainable parameters have " + (at - 1));
    }
  }

  private static BatchTotals totals(ShardWorkload w, Broadcast<ModelState> b, int step, int micro,
      int shard, int shards) {
    Replicas.Replica r = Replicas.take(w, b.value());
    BatchTotals t;
    try (MemoryWorkspace ignored = StepWorkspace.open(WORKSPACE)) {
      t = w.steps(r.model).totals(step, micro, shard, shards);
    }
    Replicas.give(w, r);
    return t;
  }

  private static double[] gradient(ShardWorkload w, Broadcast<ModelState> b, BatchTotals global,
      int step, int micro, int shard, int shards) {
    Replicas.Replica r = Replicas.take(w, b.value());
    double[] v;
    BatchTotals.applyTo(r.model.moeLayers(), global);
    try (MemoryWorkspace ignored = StepWorkspace.open(WORKSPACE)) {
      double loss = w.steps(r.model).run(step, micro, shard, shards, global);
      v = ModelState.gradients(r.model, 1);
      v[0] = loss;
    } finally {
      BatchTotals.applyTo(r.model.moeLayers(), null);
    }
    Replicas.give(w, r);
    return v;
  }
}
