package org.evomoe.examples.model;

import java.util.Arrays;
import org.evomoe.moe.TokenMask;
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
 * @param lengths real positions of each sequence [B], each in [imageCounts[b], S]; the positions
 *     from {@code lengths[b]} on are right padding: the MoE layers neither route nor count them
 *     ({@link #tokenMask()}), and with causal attention they influence no real position. Null
 *     means every position is real
 */
public record DecoderInput(
    int batch, int seqLen, int[] tokens, int[] imageCounts, INDArray imageRows, int[] lengths) {
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
    if (lengths == null) {
      lengths = new int[batch];
      Arrays.fill(lengths, seqLen);
    } else {
      if (lengths.length != batch) {
        throw new IllegalArgumentException(
            "lengths must have one entry per sequence (" + batch + "), got " + lengths.length);
      }
      for (int b = 0; b < batch; b++) {
        if (lengths[b] < imageCounts[b] || lengths[b] > seqLen) {
          throw new IllegalArgumentException("length of sequence " + b + " is " + lengths[b]
              + ", outside [imageCount=" + imageCounts[b] + ", seqLen=" + seqLen + "]");
        }
      }
      lengths = lengths.clone();
    }
    tokens = tokens.clone();
    imageCounts = imageCounts.clone();
  }

  /** Every position real (no padding). */
  public DecoderInput(int batch, int seqLen, int[] tokens, int[] imageCounts, INDArray imageRows) {
    this(batch, seqLen, tokens, imageCounts, imageRows, null);
  }

  /** This input with right padding from {@code lengths[b]} on in sequence b. */
  public DecoderInput withLengths(int[] newLengths) {
    if (newLengths == null) {
      throw new IllegalArgumentException("lengths must not be null");
    }
    return new DecoderInput(batch, seqLen, tokens, imageCounts, imageRows, newLengths);
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

  /**
   * IMAGE for image positions, TEXT for the others, one per row; padded rows carry TEXT but are
   * excluded by {@link #tokenMask()} wherever tags are counted.
   */
  public Modality[] modalities() {
    Modality[] m = new Modality[rows()];
    for (int r = 0; r < m.length; r++) {
      m[r] = isImage(r) ? Modality.IMAGE : Modality.TEXT;
    }
    return m;
  }

  /** Which rows are real: position s of sequence b iff {@code s < lengths[b]}. */
  public TokenMask tokenMask() {
    return TokenMask.fromLengths(batch, seqLen, lengths);
  }

  /** The real positions per sequence (a copy). */
  @Override
  public int[] lengths() {
    return lengths.clone();
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
