package org.evomoe.examples.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.evomoe.tuning.TunableModel;

/**
 * The model replicas of this JVM (an executor, or the driver in local mode), by workload key: a
 * task takes one, brings it to the step's {@link ModelState}, computes its shard and gives it back;
 * concurrent tasks get different replicas. A task that fails drops its replica (its state is
 * unknown), and a retry builds or takes another.
 */
final class Replicas {
  /** A model and the ids of the base and delta states it holds. */
  static final class Replica {
    final TunableModel model;
    String baseId;
    String stateId;
    int[] deltaIndices = new int[0]; // the parameters the applied delta overwrote

    Replica(TunableModel model) {
      this.model = model;
    }
  }

  private static final Map<String, ConcurrentLinkedDeque<Replica>> POOL = new ConcurrentHashMap<>();

  private Replicas() {}

  /** A replica for {@code w} holding {@code base} and then {@code delta}, gradients zeroed. */
  static Replica take(ShardWorkload w, ModelState base, ModelState delta) {
    if (!delta.baseId.equals(base.id)) {
      throw new IllegalArgumentException("state " + delta.id + " is not a delta of " + base.id);
    }
    Replica r = POOL.computeIfAbsent(w.replicaKey(), k -> new ConcurrentLinkedDeque<>()).pollFirst();
    if (r == null) {
      r = new Replica(w.newModel());
    }
    if (!base.id.equals(r.baseId) || !delta.carriesAll(r.deltaIndices)) {
      // A new base, or a delta that no longer carries a parameter the last one changed: that
      // parameter is back at its base value.
      r.baseId = null;
      r.stateId = null;
      r.deltaIndices = new int[0];
      base.applyTo(r.model);
      r.baseId = base.id;
    }
    if (!delta.id.equals(r.stateId)) {
      r.stateId = null;
      delta.applyTo(r.model);
      r.deltaIndices = delta.indices();
      r.stateId = delta.id;
    }
    ModelState.zeroGradients(r.model);
    return r;
  }

  /** Puts a replica back after a task that completed. */
  static void give(ShardWorkload w, Replica r) {
    POOL.computeIfAbsent(w.replicaKey(), k -> new ConcurrentLinkedDeque<>()).addFirst(r);
  }

  /** Drops every replica of {@code key} (the training that used them is over). */
  static void clear(String key) {
    POOL.remove(key);
  }
}
