package org.evomoe.examples.study;

import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.pipeline.DemoPipeline;
import org.evomoe.tuning.MicroBatchStep;

/**
 * Where the micro-batches of a cell's stages are computed: in this JVM ({@link #LOCAL}), or split
 * into shards over Spark executors ({@code org.evomoe.examples.spark.SparkStageSteps}).
 */
@FunctionalInterface
public interface StageSteps {
  /** The whole batch of every step in this JVM. */
  StageSteps LOCAL = (model, pipeline, workload) ->
      pipeline.steps(model, workload.pool(), workload.offset());

  /**
   * The micro-batch step of one stage of {@code model}.
   *
   * @param workload the stage's data (pool and offset) and how executors rebuild the model
   */
  MicroBatchStep of(VisionLanguageModel model, DemoPipeline pipeline, DemoWorkload workload);
}
