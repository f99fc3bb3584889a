package org.evomoe.tuning;

/**
 * One shard's part of a data-parallel micro-batch: the global micro-batch of a step is split into
 * {@code shards} parts, and shard {@code s} computes its part's contribution to the gradient of the
 * loss of the whole micro-batch, so the shards' gradients and losses add up to those of one
 * process running the whole micro-batch ({@link MicroBatchStep}).
 *
 * <p>Two passes, because the loss is normalised by counts over the whole micro-batch: {@link
 * #totals} runs forward only and reports the shard's counts; {@link #run} is called with their
 * sum over all shards already set on the model's MoE layers ({@link BatchTotals#applyTo}), divides
 * the loss by the global counted tokens instead of its own, and runs backward. A shard must be a
 * function of (step, micro-batch, shard, shards) only, so a retried or resumed shard sees the same
 * data.
 */
public interface ShardedStep {
  /**
   * Forward only.
   *
   * @return the counted tokens and the MoE layers' routing totals of the shard
   */
  BatchTotals totals(int step, int microBatch, int shard, int shards);

  /**
   * Forward and backward: gradients accumulate into the trainable parameters.
   *
   * @param global the sum of every shard's {@link #totals}, already applied to the MoE layers
   * @return this shard's share of the micro-batch loss (the shares add up to the loss)
   */
  double run(int step, int microBatch, int shard, int shards, BatchTotals global);
}
