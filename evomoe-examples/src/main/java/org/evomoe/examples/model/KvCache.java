package org.evomoe.examples.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Keys and values of the tokens already decoded, per decoder layer, for incremental generation.
 *
 * <p>Layer l holds keys and values after RoPE in head layout {@code [B * numKvHeads, L, dh]}
 * (sequence b, key/value head j at slice {@code b * numKvHeads + j}); every sequence of the batch
 * has the same cached length L. Appending a chunk copies the old rows into a new array of length
 * L + newLen, which keeps each slice contiguous for the batched matrix products (O(L) per step).
 */
public final class KvCache {
  private final INDArray[] keys;
  private final INDArray[] values;
  private int batch = -1;
  private int length;

  /** An empty cache for a model with {@code numLayers} decoder layers. */
  public KvCache(int numLayers) {
    if (numLayers <= 0) {
      throw new IllegalArgumentException("a cache needs at least one layer, got " + numLayers);
    }
    this.keys = new INDArray[numLayers];
    this.values = new INDArray[numLayers];
  }

  public int numLayers() {
    return keys.length;
  }

  /** Tokens cached per sequence, L (0 when empty). */
  public int length() {
    return length;
  }

  /** Batch size B of the cached sequences, or -1 when empty. */
  public int batch() {
    return batch;
  }

  /** Forgets everything. */
  public void clear() {
    java.util.Arrays.fill(keys, null);
    java.util.Arrays.fill(values, null);
    batch = -1;
    length = 0;
  }

  /** Keys of one layer, [B * numKvHeads, L, dh], or null when empty. */
  public INDArray keys(int layer) {
    return keys[checkLayer(layer)];
  }

  /** Values of one layer, [B * numKvHeads, L, dh], or null when empty. */
  public INDArray values(int layer) {
    return values[checkLayer(layer)];
  }

  /** Replaces one layer's keys and values (the old rows followed by the new chunk). */
  void store(int layer, INDArray k, INDArray v) {
    keys[checkLayer(layer)] = k;
    values[layer] = v;
  }

  /** Throws unless a chunk of {@code batch} sequences may be appended. */
  void requireBatch(int batch) {
    if (length > 0 && batch != this.batch) {
      throw new IllegalArgumentException(
          "the cache holds " + this.batch + " sequences, the new chunk has " + batch);
    }
  }

  /** Records that every layer now holds {@code newLength} tokens of {@code batch} sequences. */
  void advance(int batch, int newLength) {
    this.batch = batch;
    this.length = newLength;
  }

  private int checkLayer(int layer) {
    if (layer < 0 || layer >= keys.length) {
      throw new IllegalArgumentException(
          "layer " + layer + " is outside the cache's [0, " + keys.length + ")");
    }
    return layer;
  }
}
