package org.evomoe.diagnostics;

import org.evomoe.moe.RoutingRecord;
import org.evomoe.router.Modalities;

/** Checks shared by the routing collectors. */
final class RecordChecks {
  private RecordChecks() {}

  /** Throws unless {@code layer} is a known index and the record has that layer's expert count. */
  static void requireRecord(int layer, RoutingRecord r, int[] numExperts) {
    if (layer < 0 || layer >= numExperts.length) {
      throw new IllegalArgumentException(
          "layer index " + layer + " outside the model's " + numExperts.length + " MoE layers");
    }
    if (r.numExperts() != numExperts[layer]) {
      throw new IllegalArgumentException(
          "layer " + layer + " has " + numExperts[layer] + " experts, its record has "
              + r.numExperts());
    }
  }

  /**
   * Throws unless every token of the record has one of the layer's modalities, naming the first
   * one that does not (before anything is counted).
   */
  static void requireModalities(int layer, RoutingRecord r, Modalities modalities) {
    for (int t = 0; t < r.numTokens(); t++) {
      if (!modalities.contains(r.modality(t))) {
        throw new IllegalArgumentException("MoE layer " + layer + ": token " + t + " has modality "
            + r.modality(t) + ", not one of the layer's " + modalities.describe());
      }
    }
  }

  /** Throws when a layer saw no token (the data pass did not reach it). */
  static void requireTokens(int layer, long[] tokensPerModality) {
    long total = 0;
    for (long t : tokensPerModality) {
      total += t;
    }
    if (total == 0) {
      throw new IllegalStateException(
          "MoE layer " + layer + " saw no token during the data pass: does the pass run it?");
    }
  }
}
