package org.evomoe.router;

import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.Kernels;
import org.evomoe.tensor.Parallel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The token indices of a batch grouped by modality, in token order within each group, with the
 * gather and scatter of matrix rows that per-modality routers need: gather a modality's rows of a
 * [T, c] matrix into a contiguous [n_m, c] block, run that modality's gemms on it, scatter the
 * result back. One pass over the tags; gather and scatter are plain-Java row copies (no ND4J call
 * per row).
 */
public final class ModalityGroups {
  private final Modalities modalities;
  private final int tokens;
  private final int[][] rows; // per modality id: token indices, ascending

  private ModalityGroups(Modalities modalities, int tokens, int[][] rows) {
    this.modalities = modalities;
    this.tokens = tokens;
    this.rows = rows;
  }

  /** Groups the tokens of one batch of the default modalities {@link Modalities#IMAGE_TEXT}. */
  public static ModalityGroups of(Modality[] tags) {
    return of(tags, Modalities.IMAGE_TEXT);
  }

  /**
   * Groups the tokens of one batch by tag.
   *
   * @param tags one tag per token, each a modality of {@code modalities}
   * @throws IllegalArgumentException naming the first token whose tag is not in the set
   */
  public static ModalityGroups of(Modality[] tags, Modalities modalities) {
    modalities.validate(tags, tags == null ? 0 : tags.length);
    int n = modalities.count();
    int[] counts = new int[n];
    for (Modality m : tags) {
      counts[m.id()]++;
    }
    int[][] rows = new int[n][];
    for (int i = 0; i < n; i++) {
      rows[i] = new int[counts[i]];
    }
    int[] fill = new int[n];
    for (int t = 0; t < tags.length; t++) {
      int m = tags[t].id();
      rows[m][fill[m]++] = t;
    }
    return new ModalityGroups(modalities, tags.length, rows);
  }

  /** The modality set the tokens were grouped by. */
  public Modalities modalities() {
    return modalities;
  }

  /** Number of tokens T in the batch. */
  public int tokens() {
    return tokens;
  }

  /** Token indices of modality {@code m}, ascending (empty when the batch has none). */
  public int[] rows(Modality m) {
    return rows[id(m)].clone();
  }

  /** Number of tokens of modality {@code m}. */
  public int count(Modality m) {
    return rows[id(m)].length;
  }

  /** True when every token of the batch has modality {@code m} (and T > 0). */
  public boolean isOnly(Modality m) {
    return tokens > 0 && rows[id(m)].length == tokens;
  }

  /**
   * Rows of {@code src} [T, c] that belong to modality {@code m}, as a new dense [n_m, c] array. When
   * the whole batch is of modality {@code m}, returns {@code src} itself (no copy).
   *
   * @param src dense c-ordered [T, c]
   */
  public INDArray gather(INDArray src, Modality m) {
    requireRows(src);
    if (isOnly(m)) {
      return src;
    }
    int[] r = rows[id(m)];
    INDArray dst = Nd4j.createUninitialized(src.dataType(), r.length, src.size(1));
    if (r.length > 0) {
      Kernels.gatherRows(src, r, dst);
    }
    return dst;
  }

  /**
   * Writes row i of {@code block} [n_m, c] into row {@code rows(m)[i]} of {@code dst} [T, c]. Rows of
   * other modalities are left untouched.
   */
  public void scatter(INDArray block, Modality m, INDArray dst) {
    requireRows(dst);
    int[] r = rows[id(m)];
    int c = (int) dst.size(1);
    if (block.rank() != 2 || block.size(0) != r.length || block.size(1) != c) {
      throw new IllegalArgumentException(
          "scatter block of modality " + m + " must be [" + r.length + ", " + c + "], got "
              + java.util.Arrays.toString(block.shape()));
    }
    if (block.dataType() != dst.dataType()) {
      throw new IllegalArgumentException(
          "scatter data type mismatch: " + block.dataType() + " vs " + dst.dataType());
    }
    if (r.length == 0) {
      return;
    }
    Buffers src = Buffers.of(block);
    Buffers out = Buffers.of(dst);
    Parallel.forRange(r.length, 256, (r0, r1) -> {
      double[] row = new double[c];
      for (int i = r0; i < r1; i++) {
        src.read((long) i * c, row, 0, c);
        out.write((long) r[i] * c, row, 0, c);
      }
    });
  }

  private int id(Modality m) {
    if (!modalities.contains(m)) {
      throw new IllegalArgumentException(m + " is not a modality of " + modalities.describe());
    }
    return m.id();
  }

  private void requireRows(INDArray a) {
    if (a.rank() != 2 || a.size(0) != tokens) {
      throw new IllegalArgumentException(
          "expected a [" + tokens + ", c] matrix (one row per token), got "
              + java.util.Arrays.toString(a.shape()));
    }
  }

  /**
   * Applies {@code perModality} to each present modality's rows of {@code src} (gathered into one
   * contiguous block) and scatters the results back in token order.
   *
   * @param src [T, *] rows in token order
   * @param outCols width of each result block
   * @param perModality (modality, its rows [n_m, *]) -> result [n_m, outCols]
   * @return [T, outCols]
   */
  public INDArray map(INDArray src, int outCols,
      java.util.function.BiFunction<Modality, INDArray, INDArray> perModality) {
    INDArray out = null; // created only when two modalities share the batch
    for (Modality m : modalities.all()) {
      if (count(m) == 0) {
        continue;
      }
      INDArray block = perModality.apply(m, gather(src, m));
      if (isOnly(m)) {
        return block;
      }
      if (out == null) {
        out = Nd4j.createUninitialized(src.dataType(), tokens(), outCols);
      }
      scatter(block, m, out);
    }
    return out != null ? out : Nd4j.createUninitialized(src.dataType(), tokens(), outCols);
  }
}
