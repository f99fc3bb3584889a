package org.evomoe.examples.model;

import java.util.Arrays;
import org.evomoe.router.Modality;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One batch for the decoder: B sequences of S positions, flattened batch-first (row {@code b*S +
 * s} is position s of sequence b). Sequence b starts with {@code imageCounts[b]} image positions,
 * whose input rows come pre-computed from the vision path; the rest are text positions read from
 * the token embedding.
 *
 * @param batch B &gt; 0
 * @param seqLen S &gt; 0
 * @param tokens token ids [B*S]; entries at image positions are ignored (any value)
 * @param imageCounts image positions at the start of each sequence [B], each in [0, S]
 * @param imageRows the image positions' input rows {@code [sum(imageCounts), d]}, sequence 0's
 *     first; null when every count is 0
 */
public record DecoderInput(
    int batch, int seqLen, int[] tokens, int[] imageCounts, INDArray imageRows) {
  public DecoderInput {
    if (batch <= 0 || seqLen <= 0) {
      throw new IllegalArgumentException(
          "batch and seqLen must be positive, got batch=" + batch + " seqLen=" + seqLen);
    }
    if (tokens == null || tokens.length != batch * seqLen) {
      throw new IllegalArgumentException(
          "tokens must have batch * seqLen = " + batch * seqLen + " entries, got "
              + (tokens == null ? "null" : tokens.length));
    }
    if (imageCounts == null || imageCounts.length != batch) {
      throw new IllegalArgumentException(
          "imageCounts must have one entry per sequence (" + batch + "), got "
              + (imageCounts == null ? "null" : imageCounts.length));
    }
    long total = 0;
    for (int b = 0; b < batch; b++) {
      if (imageCounts[b] < 0 || imageCounts[b] > seqLen) {
        throw new IllegalArgumentException(
            "image count of sequence " + b + " is " + imageCounts[b] + ", outside [0, " + seqLen + "]");
      }
      total += imageCounts[b];
    }
    if (total == 0 && imageRows != null && imageRows.size(0) != 0) {
      throw new IllegalArgumentException(
          "image rows given " + Arrays.toString(imageRows.shape()) + " but every image count is 0");
    }
    if (total > 0
        && (imageRows == null || imageRows.rank() != 2 || imageRows.size(0) != total)) {
      throw new IllegalArgumentException(
          "image rows must be [" + total + ", d] (sum of image counts), got "
              + (imageRows == null ? "null" : Arrays.toString(imageRows.shape())));
    }
    tokens = tokens.clone();
    imageCounts = imageCounts.clone();
  }

  /** A text-only batch. */
  public static DecoderInput text(int batch, int seqLen, int[] tokens) {
    return new DecoderInput(batch, seqLen, tokens, new int[batch], null);
  }

  /** Every sequence starts with {@code imagesPerSequence} image positions. */
  public static DecoderInput withImages(
      int batch, int seqLen, int[] tokens, int imagesPerSequence, INDArray imageRows) {
    int[] counts = new int[batch];
    Arrays.fill(counts, imagesPerSequence);
    return new DecoderInput(batch, seqLen, tokens, counts, imageRows);
  }

  /** B*S. */
  public int rows() {
    return batch * seqLen;
  }

  /** sum of image counts. */
  public int totalImageRows() {
    int t = 0;
    for (int c : imageCounts) {
      t += c;
    }
    return t;
  }

  /** Whether flattened row {@code row} is an image position. */
  public boolean isImage(int row) {
    return row % seqLen < imageCounts[row / seqLen];
  }

  /** IMAGE for image positions, TEXT for the others, one per row. */
  public Modality[] modalities() {
    Modality[] m = new Modality[rows()];
    for (int r = 0; r < m.length; r++) {
      m[r] = isImage(r) ? Modality.IMAGE : Modality.TEXT;
    }
    return m;
  }

  /** The token ids (a copy). */
  @Override
  public int[] tokens() {
    return tokens.clone();
  }

  /** The image counts (a copy). */
  @Override
  public int[] imageCounts() {
    return imageCounts.clone();
  }

  /** Token id of a row (meaningless at image positions). */
  public int token(int row) {
    return tokens[row];
  }

  /** Image count of one sequence. */
  public int imageCount(int sequence) {
    return imageCounts[sequence];
  }
}
