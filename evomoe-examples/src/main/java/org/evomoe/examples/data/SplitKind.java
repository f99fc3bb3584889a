package org.evomoe.examples.data;

/** Which Fashion-MNIST split a set of images comes from, and its original file names. */
public enum SplitKind {
  /** The 60,000 training images, files {@code train-*}. */
  TRAIN("train"),
  /** The 10,000 test images, files {@code t10k-*}. */
  TEST("t10k");

  private final String filePrefix;

  SplitKind(String filePrefix) {
    this.filePrefix = filePrefix;
  }

  /** The original image file name without compression suffix, e.g. {@code t10k-images-idx3-ubyte}. */
  public String imagesFileName() {
    return filePrefix + "-images-idx3-ubyte";
  }

  /** The original label file name without compression suffix, e.g. {@code train-labels-idx1-ubyte}. */
  public String labelsFileName() {
    return filePrefix + "-labels-idx1-ubyte";
  }
}
