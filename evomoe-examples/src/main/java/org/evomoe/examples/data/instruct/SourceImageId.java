package org.evomoe.examples.data.instruct;

import java.util.Objects;
import org.evomoe.examples.data.SplitKind;

/**
 * Identifies one Fashion-MNIST image of a loaded pool: the split it comes from and its index in
 * that split's files.
 *
 * @param split the original split (train or t10k files)
 * @param index position in the loaded split, at least 0
 */
public record SourceImageId(SplitKind split, int index) {
  public SourceImageId {
    Objects.requireNonNull(split, "split");
    if (index < 0) {
      throw new IllegalArgumentException("source image index must be >= 0, got " + index);
    }
  }
}
