package org.evomoe.examples.study;

import org.evomoe.examples.pipeline.DemoPipeline;
import org.evomoe.tuning.StageConfig;

/**
 * A stage of a cell with its data: stage step {@code i} trains on the batch of {@code pool} step
 * {@code offset + i}.
 */
record PlannedStage(StageConfig config, DemoPipeline.Pool pool, int offset) {}
