package org.evomoe.diagnostics;

import java.util.ArrayList;
import java.util.List;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.RoutingRecord;
import org.evomoe.router.Modalities;
import org.evomoe.router.Modality;

/**
 * The per-layer, per-modality, per-expert bookkeeping that {@link ModalityShares} and {@link
 * ModalitySeparation} share: each layer's {@link Modalities} (the layer's own, so any number of
 * modalities), the real tokens per modality, and one count per modality and expert. A subclass
 * says what a token adds ({@link #count}); the base checks every record (layer index, expert
 * count, a tag of the layer's modalities) before counting anything.
 */
abstract class ModalityCollector implements RoutingObserver {
  final int[] numExperts;
  final Modalities[] modalities; // per layer
  final long[][] tokens; // [layer][modality id]
  final long[][][] counts; // [layer][modality id][expert]

  ModalityCollector(List<MoeLayer> layers) {
    RoutingCapture.requireLayers(layers);
    int n = layers.size();
    numExperts = new int[n];
    modalities = new Modalities[n];
    tokens = new long[n][];
    counts = new long[n][][];
    for (int l = 0; l < n; l++) {
      numExperts[l] = layers.get(l).config().numExperts();
      modalities[l] = layers.get(l).modalities();
      tokens[l] = new long[modalities[l].count()];
      counts[l] = new long[modalities[l].count()][numExperts[l]];
    }
  }

  /** Adds token {@code t} of record {@code r} to the counts of its layer and modality. */
  abstract void count(int layer, int modality, RoutingRecord r, int t);

  @Override
  public final void observe(int layer, RoutingRecord r) {
    RecordChecks.requireRecord(layer, r, numExperts);
    RecordChecks.requireModalities(layer, r, modalities[layer]);
    for (int t = 0; t < r.numTokens(); t++) {
      int m = r.modality(t).id();
      tokens[layer][m]++;
      count(layer, m, r, t);
    }
  }

  /**
   * The modalities layer {@code l} saw, in id order.
   *
   * @throws IllegalStateException when the layer saw no token
   */
  final List<Modality> present(int l) {
    RecordChecks.requireTokens(l, tokens[l]);
    List<Modality> out = new ArrayList<>();
    for (Modality m : modalities[l].all()) {
      if (tokens[l][m.id()] > 0) {
        out.add(m);
      }
    }
    return out;
  }
}
