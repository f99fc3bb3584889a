package org.evomoe.examples.model;

import java.util.Arrays;
import org.evomoe.tensor.Buffers;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Keys and values of the tokens already decoded, per decoder layer, for incremental generation.
 *
 * <p>Layer l holds keys and values after RoPE in head layout {@code [B * numKvHeads, L, dh]}
 * (sequence b, key/value head j at slice {@code b * numKvHeads + j}); every sequence of the batch
 * has the same cached length L. The rows live in a preallocated buffer {@code [B * numKvHeads,
 * capacity, dh]} (outside any workspace): appending a chunk writes only its own rows (O(new rows));
 * when the capacity is reached the buffer doubles, so a token costs amortised O(1) copies. {@link
 * #keys} and {@link #values} are views of the first L rows of each slice (each slice's rows stay
 * contiguous, with a stride of {@code capacity * dh} between slices).
 */
public final class KvCache {
  /** Rows per slice of a new buffer, unless the first chunk is longer. */
  static final int INITIAL_CAPACITY = 64;

  private final INDArray[] keys;
  private final INDArray[] values;
  // The same rows as keys and values, as doubles in plain Java arrays [slices * capacity * dh]
  // (the decoding attention kernel reads these instead of converting the buffers on every token).
  private final double[][] keyRows;
  private final double[][] valueRows;
  private int batch = -1;
  private int length;

  /** An empty cache for a model with {@code numLayers} decoder layers. */
  public KvCache(int numLayers) {
    if (numLayers <= 0) {
      throw new IllegalArgumentException("a cache needs at least one layer, got " + numLayers);
    }
    this.keys = new INDArray[numLayers];
    this.values = new INDArray[numLayers];
    this.keyRows = new double[numLayers][];
    this.valueRows = new double[numLayers][];
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

  /** Rows per slice that layer {@code layer}'s buffer holds without growing (0 when empty). */
  public int capacity(int layer) {
    INDArray k = keys[checkLayer(layer)];
    return k == null ? 0 : (int) k.size(1);
  }

  /** Forgets everything. */
  public void clear() {
    Arrays.fill(keys, null);
    Arrays.fill(values, null);
    Arrays.fill(keyRows, null);
    Arrays.fill(valueRows, null);
    batch = -1;
    length = 0;
  }

  /** Keys of one layer, [B * numKvHeads, L, dh] (a view of the buffer), or null when empty. */
  public INDArray keys(int layer) {
    return length == 0 ? null : rows(keys[checkLayer(layer)], length);
  }

  /** Values of one layer, [B * numKvHeads, L, dh] (a view of the buffer), or null when empty. */
  public INDArray values(int layer) {
    return length == 0 ? null : rows(values[checkLayer(layer)], length);
  }

  /**
   * Writes a chunk's keys and values, each [B * numKvHeads, m, dh], after the L cached rows of
   * layer {@code layer} and returns the views of all L + m rows, {keys, values}. The cache length
   * itself moves on in {@link #advance}, once every layer has appended.
   */
  INDArray[] append(int layer, INDArray k, INDArray v) {
    appendRows(layer, k, v);
    int total = length + (int) k.size(1);
    return new INDArray[] {rows(keys[layer], total), rows(values[layer], total)};
  }

  /**
   * As {@link #append} without building the views: the chunk's rows are copied in plain Java into
   * the buffers ({@link #keyBuffer}, {@link #valueBuffer}), which grow first when full.
   */
  void appendRows(int layer, INDArray k, INDArray v) {
    checkLayer(layer);
    long n = k.size(0);
    int m = (int) k.size(1);
    long dh = k.size(2);
    int total = length + m;
    INDArray kb = keys[layer];
    if (kb != null && (kb.size(0) != n || kb.size(2) != dh)) {
      throw new IllegalArgumentException("layer " + layer + " caches [" + kb.size(0) + ", L, "
          + kb.size(2) + "], the new chunk is [" + n + ", " + m + ", " + dh + "]");
    }
    if (kb == null || kb.size(1) < total) {
      int cap = Math.max(total, kb == null ? INITIAL_CAPACITY : 2 * (int) kb.size(1));
      keys[layer] = grow(kb, n, cap, dh, k);
      values[layer] = grow(values[layer], n, cap, dh, v);
      keyRows[layer] = growRows(keyRows[layer], kb == null ? 0 : (int) kb.size(1), n, cap, dh);
      valueRows[layer] = growRows(valueRows[layer], kb == null ? 0 : (int) kb.size(1), n, cap, dh);
    }
    copyRows(k, keys[layer], keyRows[layer], length);
    copyRows(v, values[layer], valueRows[layer], length);
  }

  /**
   * Layer {@code layer}'s keys as doubles, the same values and layout as {@link #keyBuffer}
   * ([B * numKvHeads, capacity, dh] row-major; null when empty). Not to be modified.
   */
  double[] keyRows(int layer) {
    return keyRows[checkLayer(layer)];
  }

  /** Layer {@code layer}'s values as doubles, as {@link #keyRows}. */
  double[] valueRows(int layer) {
    return valueRows[checkLayer(layer)];
  }

  /** {@code old} (slices of oldCap rows, the first L used) copied into slices of cap rows. */
  private double[] growRows(double[] old, int oldCap, long n, int cap, long dh) {
    double[] rows = new double[Math.toIntExact(n * cap * dh)];
    if (old != null && length > 0) {
      for (int i = 0; i < n; i++) {
        System.arraycopy(
            old, (int) (i * oldCap * dh), rows, (int) (i * cap * dh), (int) (length * dh));
      }
    }
    return rows;
  }

  /** Layer {@code layer}'s whole key buffer [B * numKvHeads, capacity, dh] (null when empty). */
  INDArray keyBuffer(int layer) {
    return keys[checkLayer(layer)];
  }

  /** Layer {@code layer}'s whole value buffer [B * numKvHeads, capacity, dh] (null when empty). */
  INDArray valueBuffer(int layer) {
    return values[checkLayer(layer)];
  }

  /**
   * src [n, m, dh] into rows from .. from + m of every slice of buf [n, capacity, dh] and of its
   * Java copy {@code rows}.
   */
  private static void copyRows(INDArray src, INDArray buf, double[] rows, int from) {
    INDArray s = Buffers.isDense(src) ? src : src.dup('c');
    int n = (int) s.size(0);
    int chunk = (int) (s.size(1) * s.size(2));
    long sliceStride = buf.size(1) * buf.size(2);
    Buffers bs = Buffers.of(s);
    Buffers bb = Buffers.of(buf);
    double[] row = new double[chunk];
    for (int i = 0; i < n; i++) {
      bs.read((long) i * chunk, row, 0, chunk);
      bb.write(i * sliceStride + from * buf.size(2), row, 0, chunk);
      System.arraycopy(row, 0, rows, Math.toIntExact(i * sliceStride + from * buf.size(2)), chunk);
    }
  }

  /** A buffer of {@code cap} rows per slice holding the L cached rows of {@code old} (if any). */
  private INDArray grow(INDArray old, long n, int cap, long dh, INDArray like) {
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      INDArray buf = Nd4j.create(like.dataType(), n, cap, dh);
      if (old != null && length > 0) {
        rows(buf, length).assign(rows(old, length));
      }
      return buf;
    }
  }

  private static INDArray rows(INDArray buf, int len) {
    return rowsBetween(buf, 0, len);
  }

  private static INDArray rowsBetween(INDArray buf, int from, int to) {
    return buf.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to), NDArrayIndex.all());
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
