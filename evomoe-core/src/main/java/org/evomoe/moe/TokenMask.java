package org.evomoe.moe;

import java.util.Arrays;

/**
 * Which of T token rows are real. Padding (and any row whose output nothing uses) is not real: a
 * {@link MoeLayer} neither routes nor dispatches it (its output row is 0 and it receives no
 * gradient), and it enters no routing statistic, auxiliary loss or diagnostic.
 *
 * <p>Immutable. {@link #allReal(int)} is the mask of a batch without padding; the layer methods
 * without a mask use it.
 */
public final class TokenMask {
  private final int size;
  private final int[] realRows; // ascending
  private final boolean allReal;

  private TokenMask(int size, int[] realRows) {
    this.size = size;
    this.realRows = realRows;
    this.allReal = realRows.length == size;
  }

  /** T real rows. */
  public static TokenMask allReal(int tokens) {
    if (tokens < 0) {
      throw new IllegalArgumentException("token count must be >= 0, got " + tokens);
    }
    int[] rows = new int[tokens];
    for (int i = 0; i < tokens; i++) {
      rows[i] = i;
    }
    return new TokenMask(tokens, rows);
  }

  /**
   * @param real one flag per row [T], true for a real token (copied)
   */
  public static TokenMask of(boolean[] real) {
    if (real == null) {
      throw new IllegalArgumentException("token mask flags must not be null");
    }
    int n = 0;
    for (boolean r : real) {
      if (r) {
        n++;
      }
    }
    int[] rows = new int[n];
    int j = 0;
    for (int i = 0; i < real.length; i++) {
      if (real[i]) {
        rows[j++] = i;
      }
    }
    return new TokenMask(real.length, rows);
  }

  /**
   * Right padding of B sequences of S positions flattened batch-first (row {@code b*S + s}):
   * position s of sequence b is real iff {@code s < lengths[b]}.
   *
   * @param lengths real positions per sequence [B], each in [0, S]
   */
  public static TokenMask fromLengths(int batch, int seqLen, int[] lengths) {
    if (batch < 0 || seqLen < 0) {
      throw new IllegalArgumentException(
          "batch and seqLen must be >= 0, got batch=" + batch + " seqLen=" + seqLen);
    }
    if (lengths == null || lengths.length != batch) {
      throw new IllegalArgumentException("lengths need one entry per sequence (" + batch + "), got "
          + (lengths == null ? "null" : lengths.length));
    }
    boolean[] real = new boolean[batch * seqLen];
    for (int b = 0; b < batch; b++) {
      if (lengths[b] < 0 || lengths[b] > seqLen) {
        throw new IllegalArgumentException(
            "length of sequence " + b + " is " + lengths[b] + ", outside [0, " + seqLen + "]");
      }
      Arrays.fill(real, b * seqLen, b * seqLen + lengths[b], true);
    }
    return of(real);
  }

  /** T, the number of rows the mask covers. */
  public int size() {
    return size;
  }

  /** The number of real rows. */
  public int realCount() {
    return realRows.length;
  }

  /** Whether every row is real. */
  public boolean allReal() {
    return allReal;
  }

  /** Whether row t is real. */
  public boolean isReal(int t) {
    if (t < 0 || t >= size) {
      throw new IndexOutOfBoundsException("row " + t + " outside [0, " + size + ")");
    }
    return allReal || Arrays.binarySearch(realRows, t) >= 0;
  }

  /** The real rows in ascending order (a copy). */
  public int[] realRows() {
    return realRows.clone();
  }

  /** One flag per row [T]. */
  public boolean[] toArray() {
    boolean[] a = new boolean[size];
    for (int r : realRows) {
      a[r] = true;
    }
    return a;
  }

  /** Throws unless the mask covers exactly {@code tokens} rows. */
  public void requireSize(long tokens) {
    if (size != tokens) {
      throw new IllegalArgumentException(
          "token mask covers " + size + " rows but the input has " + tokens);
    }
  }

  /** The entries of {@code perRow} [T] at the real rows, in order. */
  public <T> T[] select(T[] perRow) {
    requireSize(perRow.length);
    T[] out = Arrays.copyOf(perRow, realRows.length);
    for (int i = 0; i < realRows.length; i++) {
      out[i] = perRow[realRows[i]];
    }
    return out;
  }

  int[] rowsView() {
    return realRows;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TokenMask m && m.size == size && Arrays.equals(m.realRows, realRows);
  }

  @Override
  public int hashCode() {
    return 31 * size + Arrays.hashCode(realRows);
  }

  @Override
  public String toString() {
    return "TokenMask[" + realRows.length + " of " + size + " real]";
  }
}
