package org.evomoe.examples.spark;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkContext$;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.evomoe.examples.study.CellOutput;
import org.evomoe.examples.study.CellTask;
import org.evomoe.examples.study.RemoteCells;
import org.evomoe.examples.study.StepListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cells of a study spread over Spark executors: every cell is a Spark job of one task that
 * trains the cell in the executor's JVM exactly as the runner trains it in its own ({@link
 * CellTask#run}) and returns its result; the runner (the driver) writes each result into the
 * output folder as it arrives. An arm's task gets its seed's Stage I weights by broadcast. A task
 * that fails is retried by Spark ({@code spark.task.maxFailures}) and trains the cell again from
 * its start, which gives the same numbers. Owns its Spark context unless one with the same master
 * was already running.
 */
public final class SparkCells implements RemoteCells, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SparkCells.class);

  private final JavaSparkContext sc;
  private final boolean owned;
  private final TaskListener listener;
  private final String jobGroup = "evomoe-cells-" + java.util.UUID.randomUUID();

  /**
   * A step listener that runs in the executors (with every cell's steps); serialisable, since it
   * travels with the tasks.
   */
  public interface TaskListener extends StepListener, Serializable {}

  private SparkCells(JavaSparkContext sc, boolean owned, TaskListener listener) {
    this.sc = sc;
    this.owned = owned;
    this.listener = listener;
  }

  /** Cells on {@code master} (a new context, or the running one of the same master). */
  public static SparkCells open(String master) {
    scala.Option<SparkContext> active = SparkContext$.MODULE$.getActive();
    if (active.isEmpty()) {
      SparkCells c = new SparkCells(new JavaSparkContext(SparkContexts.conf(master, "evomoe-study")),
          true, null);
      LOG.info("Spark {} ({}): cells as tasks, {} at once", c.sc.version(), master,
          c.sc.defaultParallelism());
      return c;
    }
    if (!active.get().master().equals(master)) {
      throw new IllegalStateException("a Spark context for " + active.get().master()
          + " is already running in this JVM; Spark allows one: use --spark "
          + active.get().master());
    }
    return new SparkCells(JavaSparkContext.fromSparkContext(active.get()), false, null);
  }

  /** Cells on a context the caller owns (left running by {@link #close()}). */
  public static SparkCells on(JavaSparkContext sc) {
    return new SparkCells(sc, false, null);
  }

  /** The same cells with {@code l} told about every step in the executors (e.g. to inject faults). */
  public SparkCells withTaskListener(TaskListener l) {
    return new SparkCells(sc, false, l);
  }

  @Override
  public CellOutput run(CellTask task) {
    byte[] weights = task.stage1Weights();
    Broadcast<byte[]> b = weights == null ? null : sc.broadcast(weights);
    CellTask shipped = weights == null ? task
        : new CellTask(task.settingsJson(), task.seed(), task.arm(), task.threads(), new byte[0]);
    TaskListener l = listener;
    try {
      sc.setJobGroup(jobGroup, "evomoe cell " + task.name(), false);
      List<CellOutput> out = sc.parallelize(List.of(shipped), 1)
          .map(t -> train(t, b, l)).collect();
      return out.get(0);
    } finally {
      if (b != null) {
        b.destroy();
      }
    }
  }

  private static CellOutput train(CellTask t, Broadcast<byte[]> weights, StepListener l)
      throws java.io.IOException {
    CellTask task = weights == null ? t
        : new CellTask(t.settingsJson(), t.seed(), t.arm(), t.threads(), weights.value());
    return task.run(l == null ? StepListener.none() : l);
  }

  /** Cancels the jobs of the cells still training. */
  @Override
  public void cancelAll() {
    sc.cancelJobGroup(jobGroup);
  }

  /** Stops the context when it was started here. */
  @Override
  public void close() {
    if (owned) {
      sc.stop();
    }
  }
}
