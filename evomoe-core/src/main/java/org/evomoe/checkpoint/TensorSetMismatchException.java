package org.evomoe.checkpoint;

import java.nio.file.Path;
import java.util.List;

/**
 * The tensors in a file are not the expected ones: some expected names are missing, some names
 * are not expected, or some shapes differ. All three lists are reported at once.
 */
public final class TensorSetMismatchException extends CheckpointFormatException {
  private static final long serialVersionUID = 1L;
  private static final int LISTED = 20;

  private final List<String> missing;
  private final List<String> unexpected;
  private final List<String> shapeMismatches;

  /**
   * @param file the file checked
   * @param byteOffset offset of the first differently shaped tensor's data, else of the header
   * @param missing expected names absent from the file, sorted
   * @param unexpected names in the file that were not expected, sorted
   * @param shapeMismatches one line per tensor whose shape differs ("name: expected [..], file
   *     has [..]"), sorted by name
   */
  TensorSetMismatchException(
      Path file,
      long byteOffset,
      List<String> missing,
      List<String> unexpected,
      List<String> shapeMismatches,
      String firstTensor) {
    super(
        Reason.TENSOR_SET_MISMATCH,
        file,
        firstTensor,
        byteOffset,
        describe(missing, unexpected, shapeMismatches));
    this.missing = List.copyOf(missing);
    this.unexpected = List.copyOf(unexpected);
    this.shapeMismatches = List.copyOf(shapeMismatches);
  }

  /** Expected tensor names that the file lacks, sorted. */
  public List<String> missing() {
    return missing;
  }

  /** Tensor names in the file that were not expected, sorted. */
  public List<String> unexpected() {
    return unexpected;
  }

  /** One line per tensor whose shape differs from the expected one, sorted by name. */
  public List<String> shapeMismatches() {
    return shapeMismatches;
  }

  private static String describe(
      List<String> missing, List<String> unexpected, List<String> shapeMismatches) {
    StringBuilder sb = new StringBuilder("the tensors are not the expected set:");
    appendList(sb, "missing", missing);
    appendList(sb, "unexpected", unexpected);
    appendList(sb, "shape mismatch", shapeMismatches);
    return sb.toString();
  }

  private static void appendList(StringBuilder sb, String label, List<String> items) {
    if (items.isEmpty()) {
      return;
    }
    sb.append(' ').append(items.size()).append(' ').append(label).append(" [");
    for (int i = 0; i < Math.min(LISTED, items.size()); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(printable(items.get(i)));
    }
    if (items.size() > LISTED) {
      sb.append(", ... ").append(items.size() - LISTED).append(" more");
    }
    sb.append("];");
  }
}
