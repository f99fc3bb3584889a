package org.evomoe.examples.spark;

import java.io.Serializable;
import org.evomoe.tuning.ShardedStep;
import org.evomoe.tuning.TunableModel;

/**
 * What an executor needs to compute shards of a data-parallel stage, sent with every task (keep
 * it small: settings, not data). The executor builds a model replica once ({@link #newModel}) and
 * keeps it for later tasks with the same {@link #replicaKey}; its weights, trainable flags and
 * forced experts are overwritten from the driver's model before each step, so {@link #newModel}
 * only has to give the architecture (with the routing the driver's model has). Each shard builds
 * its own data from (step, micro-batch, shard, shards) in {@link #steps}.
 */
public interface ShardWorkload extends Serializable {
  /** Workloads with equal keys build models of the same architecture (replicas are shared). */
  String replicaKey();

  /** A new model of the driver model's architecture and routing (weights are overwritten). */
  TunableModel newModel();

  /** The shard computation of this workload on {@code model} (a replica from {@link #newModel}). */
  ShardedStep steps(TunableModel model);
}
