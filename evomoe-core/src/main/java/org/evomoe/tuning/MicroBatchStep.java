package org.evomoe.tuning;

/**
 * One micro-batch of a stage: run the model forward, compute the loss, run backward (gradients
 * accumulate in the trainable parameters) and return the loss, including the MoE layers' weighted
 * auxiliary losses. It runs inside a step workspace: arrays it creates die with the micro-batch.
 */
@FunctionalInterface
public interface MicroBatchStep {
  /**
   * @param step optimiser step, from 0
   * @param microBatch index within the step, from 0
   * @return the micro-batch's loss
   */
  double run(int step, int microBatch);
}
