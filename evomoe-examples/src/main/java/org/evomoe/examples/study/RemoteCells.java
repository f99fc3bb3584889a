package org.evomoe.examples.study;

/**
 * Trains a study's cells outside the runner's JVM, one {@link CellTask} at a time per call (the
 * runner calls from several threads at once, one per cell waiting): Spark executors in {@code
 * org.evomoe.examples.spark.SparkCells}.
 */
@FunctionalInterface
public interface RemoteCells {
  /**
   * Trains {@code task} elsewhere and returns its output once it is done (after any retries).
   *
   * @throws Exception when the cell failed for good
   */
  CellOutput run(CellTask task) throws Exception;

  /**
   * Stops the cells still training (a cell failed for good and the run stops); their {@link #run}
   * calls then throw. Does nothing by default.
   */
  default void cancelAll() {}
}
