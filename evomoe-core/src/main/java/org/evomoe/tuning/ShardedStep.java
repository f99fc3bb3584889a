package org.evomoe.tuning;

/**
 * One shard's part of a data-parallel micro-batch: the global micro-batch of a step is split into
 * {@code shards} parts, and shard {@code s} computes its part's contribution to the gradient of the
 * loss of the whole micro-batch, so the shards' gradients and losses add up to those of one
 * process running the whole micro-batch ({@link MicroBatchStep}).
 *
 * <p>The loss is normalised by counts over the whole micro-batch. When some MoE layer routes (its
 * load-balancing loss is a nonlinear function of the batch's routing counts), two passes: {@link
 * #totals} runs forward only and reports the shard's counts; {@link #run} is called with their
 * sum over all shards already set on the model's MoE layers ({@link BatchTotals#applyTo}), divides
 * the loss by the global counted tokens instead of its own, and runs backward. When no layer
 * routes, the loss is linear in the tokens' terms and one pass is enough: {@link #run} gets the
 * shard's own {@link #countedTokens} as the divisor, and the caller weighs the shards' results
 * by their counted tokens. A shard must be a function of (step, micro-batch, shard, shards) only,
 * so a retried or resumed shard sees the same data.
 */
public interface ShardedStep {
  /** The tokens the shard's loss counts, without running the model. */
  long countedTokens(int step, int microBatch, int shard, int shards);

  /**
   * Forward only.
   *
   * @return the counted tokens and the MoE layers' routing totals of the shard
   */
  BatchTotals totals(int step, int microBatch, int shard, int shards);

  /**
   * Forward and backward: gradients accumulate into the trainable parameters.
   *
   * @param global the sum of every shard's {@link #totals}, already applied to the MoE layers (or,
   *     when no MoE layer routes, this shard's own counted tokens)
   * @return this shard's share of the micro-batch loss (the shares add up to the loss)
   */
  double run(int step, int microBatch, int shard, int shards, BatchTotals global);
}
