package org.evomoe.examples.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkContext$;
import org.apache.spark.api.java.JavaSparkContext;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.pipeline.DemoPipeline;
import org.evomoe.examples.study.DemoWorkload;
import org.evomoe.examples.study.StageSteps;
import org.evomoe.tuning.MicroBatchStep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's stages on Spark: every micro-batch split into {@code shards} shards ({@link
 * SparkDataParallel}). Owns its Spark context: {@link #close()} stops it and logs what the steps
 * cost. A context already running in the JVM with the same master is used (and left running).
 */
public final class SparkStageSteps implements StageSteps, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SparkStageSteps.class);

  private final JavaSparkContext sc;
  private final boolean owned; // started here, so stopped here
  private final int shards;
  private final List<SparkDataParallel> stages = new ArrayList<>();

  private SparkStageSteps(JavaSparkContext sc, boolean owned, int shards) {
    this.sc = sc;
    this.owned = owned;
    this.shards = shards;
  }

  /**
   * Starts a Spark context on {@code master}.
   *
   * @param shards shards per micro-batch, or null for Spark's default parallelism (the executor
   *     cores; 2 for {@code local[2]})
   */
  public static SparkStageSteps open(String master, Integer shards) {
    if (shards != null && (shards < 1 || shards > 4096)) {
      throw new IllegalArgumentException("--shards must be in [1, 4096], got " + shards);
    }
    scala.Option<SparkContext> active = SparkContext$.MODULE$.getActive();
    JavaSparkContext sc;
    boolean owned = active.isEmpty();
    if (owned) {
      sc = new JavaSparkContext(SparkContexts.conf(master, "evomoe-train"));
    } else if (active.get().master().equals(master)) {
      sc = JavaSparkContext.fromSparkContext(active.get()); // a program's (or a test's) context
    } else {
      throw new IllegalStateException("a Spark context for " + active.get().master()
          + " is already running in this JVM; Spark allows one: use --spark "
          + active.get().master());
    }
    int n = shards != null ? shards : Math.max(1, sc.defaultParallelism());
    LOG.info("Spark {} ({}), {} shards per step", sc.version(), master, n);
    return new SparkStageSteps(sc, owned, n);
  }

  /** Shards per micro-batch. */
  public int shards() {
    return shards;
  }

  @Override
  public synchronized MicroBatchStep of(VisionLanguageModel model, DemoPipeline pipeline,
      DemoWorkload workload) {
    int batch = pipeline.settings().batchSize();
    if (shards > batch) {
      throw new IllegalArgumentException("--shards " + shards + " exceeds the batch of " + batch
          + " samples (settings.batchSize): every shard needs a sample");
    }
    SparkDataParallel dp = new SparkDataParallel(sc, model, workload, shards);
    stages.add(dp);
    return dp;
  }

  /** The costs of every stage so far. */
  public synchronized List<StepCost> costs() {
    return stages.stream().map(SparkDataParallel::cost).toList();
  }

  @Override
  public void close() {
    for (StepCost c : costs()) {
      if (c.microBatches() > 0) {
        LOG.info("Spark stage: {}", c);
      }
    }
    synchronized (this) {
      stages.forEach(SparkDataParallel::close);
    }
    if (owned) {
      sc.stop();
    }
  }
}
