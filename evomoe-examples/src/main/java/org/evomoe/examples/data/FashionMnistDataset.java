package org.evomoe.examples.data;

import java.util.Objects;

/**
 * A training split and a test split of Fashion-MNIST (the full set or a subset).
 *
 * @param train images from the original training files
 * @param test images from the original test files
 */
public record FashionMnistDataset(FashionMnistSplit train, FashionMnistSplit test) {
  public FashionMnistDataset {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(test, "test");
    if (train.kind() != SplitKind.TRAIN) {
      throw new IllegalArgumentException("train split must be of kind TRAIN, got " + train.kind());
    }
    if (test.kind() != SplitKind.TEST) {
      throw new IllegalArgumentException("test split must be of kind TEST, got " + test.kind());
    }
  }

  /** The split of the given kind. */
  public FashionMnistSplit split(SplitKind kind) {
    return kind == SplitKind.TRAIN ? train : test;
  }
}
