package org.evomoe.tuning;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.RoutingTotals;

/**
 * The counts a loss over a batch is normalised by, for a batch split into shards: the tokens the
 * loss counts (a mean over counted tokens, padding and prompts excluded) and each MoE layer's
 * {@link RoutingTotals}. Shards report their own ({@link #of}); their sum ({@link #plus}, exact in
 * any order) is what every shard normalises by in the pass that computes gradients ({@link
 * #applyTo}).
 *
 * @param countedTokens tokens the loss counts, {@code >= 0}
 * @param layers routing totals per MoE layer, in layer order
 */
public record BatchTotals(long countedTokens, List<RoutingTotals> layers) implements Serializable {
  public BatchTotals {
    if (countedTokens < 0) {
      throw new IllegalArgumentException("counted tokens must be >= 0, got " + countedTokens);
    }
    layers = List.copyOf(layers);
  }

  /** The counts of the last forward of {@code moeLayers} with {@code countedTokens} counted. */
  public static BatchTotals of(long countedTokens, List<MoeLayer> moeLayers) {
    List<RoutingTotals> t = new ArrayList<>(moeLayers.size());
    for (MoeLayer m : moeLayers) {
      t.add(m.lastTotals());
    }
    return new BatchTotals(countedTokens, t);
  }

  /** Both batches together. */
  public BatchTotals plus(BatchTotals o) {
    if (o.layers.size() != layers.size()) {
      throw new IllegalArgumentException("batch totals over " + layers.size()
          + " MoE layers cannot be added to totals over " + o.layers.size());
    }
    List<RoutingTotals> sum = new ArrayList<>(layers.size());
    for (int i = 0; i < layers.size(); i++) {
      sum.add(layers.get(i).plus(o.layers.get(i)));
    }
    return new BatchTotals(countedTokens + o.countedTokens, sum);
  }

  /**
   * Sets every MoE layer's {@link MoeLayer#setBatchTotals batch totals} to these ({@code null}
   * clears them).
   */
  public static void applyTo(List<MoeLayer> moeLayers, BatchTotals totals) {
    if (totals != null && totals.layers.size() != moeLayers.size()) {
      throw new IllegalArgumentException("batch totals cover " + totals.layers.size()
          + " MoE layers, the model has " + moeLayers.size());
    }
    for (int i = 0; i < moeLayers.size(); i++) {
      moeLayers.get(i).setBatchTotals(totals == null ? null : totals.layers.get(i));
    }
  }
}
