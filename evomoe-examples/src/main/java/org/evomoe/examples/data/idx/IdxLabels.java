package org.evomoe.examples.data.idx;

import java.util.Arrays;

/**
 * The content of an IDX unsigned-byte label file (magic {@code 0x00000801}): one label 0..255 per
 * item. Immutable: the constructor copies and {@link #copyLabels()} returns a copy.
 */
public final class IdxLabels {
  private final byte[] labels; // [count], unsigned

  /** @param labels one unsigned byte per item, copied */
  public IdxLabels(byte[] labels) {
    if (labels == null) {
      throw new IllegalArgumentException("labels must not be null");
    }
    this.labels = labels.clone();
  }

  private IdxLabels(byte[] labels, boolean adopted) {
    this.labels = labels;
  }

  /** Wraps an array the caller hands over and never touches again (no copy). */
  static IdxLabels adopt(byte[] labels) {
    return new IdxLabels(labels, true);
  }

  public int count() {
    return labels.length;
  }

  /** Label 0..255 of item {@code index}. */
  public int label(int index) {
    return labels[index] & 0xFF;
  }

  /** A copy of all labels, shape [count]. */
  public byte[] copyLabels() {
    return labels.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IdxLabels other && Arrays.equals(labels, other.labels);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(labels);
  }

  @Override
  public String toString() {
    return "IdxLabels[" + labels.length + "]";
  }
}
