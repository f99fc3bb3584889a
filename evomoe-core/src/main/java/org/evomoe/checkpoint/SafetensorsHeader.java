package org.evomoe.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The validated header of a safetensors file: what tensors it holds and its metadata, without the
 * tensor data. Obtained from {@link Safetensors#readHeader}; every entry has passed the checks of
 * docs/checkpoint-format.md (dtype known, shape sane, byte ranges exactly covering the data).
 *
 * @param file the file it was read from
 * @param headerLength the JSON header's length in bytes, padding included
 * @param metadata the {@code __metadata__} map (empty when absent), in key order
 * @param tensors the entries by name, in name order
 */
public record SafetensorsHeader(
    Path file, long headerLength, Map<String, String> metadata, Map<String, TensorEntry> tensors) {
  public SafetensorsHeader {
    Objects.requireNonNull(file, "file");
    metadata = NameOrder.sortedCopy(metadata);
    tensors = NameOrder.sortedCopy(tensors);
  }

  /** Byte offset in the file where the data region starts: 8 + header length. */
  public long dataStart() {
    return 8 + headerLength;
  }

  /**
   * Checks that the file holds exactly the expected tensors with the expected shapes.
   *
   * @param expectedShapes tensor name to shape, for example derived from a model configuration
   * @throws TensorSetMismatchException listing every missing, unexpected and differently shaped
   *     tensor at once
   */
  public void checkTensors(Map<String, long[]> expectedShapes) throws TensorSetMismatchException {
    Objects.requireNonNull(expectedShapes, "expectedShapes");
    List<String> missing = new ArrayList<>();
    List<String> mismatched = new ArrayList<>();
    String firstMismatch = null;
    for (Map.Entry<String, long[]> e : NameOrder.sortedCopy(expectedShapes).entrySet()) {
      TensorEntry entry = tensors.get(e.getKey());
      if (entry == null) {
        missing.add(e.getKey());
      } else if (!Arrays.equals(entry.shape(), e.getValue())) {
        if (firstMismatch == null) {
          firstMismatch = e.getKey();
        }
        mismatched.add(e.getKey() + ": expected " + Arrays.toString(e.getValue())
            + ", file has " + Arrays.toString(entry.shape()));
      }
    }
    List<String> unexpected = new ArrayList<>();
    for (String name : tensors.keySet()) {
      if (!expectedShapes.containsKey(name)) {
        unexpected.add(name);
      }
    }
    if (missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty()) {
      return;
    }
    String tensor;
    long offset;
    if (firstMismatch != null) {
      tensor = firstMismatch;
      offset = dataStart() + tensors.get(firstMismatch).dataBegin();
    } else {
      tensor = !missing.isEmpty() ? missing.get(0) : unexpected.get(0);
      offset = 8;
    }
    throw new TensorSetMismatchException(file, offset, missing, unexpected, mismatched, tensor);
  }
}
