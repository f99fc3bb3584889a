package org.evomoe.checkpoint;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * A loaded safetensors file: its validated header and every tensor converted to float32.
 *
 * @param header the validated header (file, metadata, stored dtypes and offsets)
 * @param tensors the tensors by name, in name order; shapes as in the header
 * @param nonFiniteTensors names of tensors holding NaN or infinity (only possible when loaded with
 *     {@link LoadOptions#allowNonFinite()}), sorted
 */
public record SafetensorsFile(
    SafetensorsHeader header, Map<String, Tensor> tensors, List<String> nonFiniteTensors) {
  public SafetensorsFile {
    Objects.requireNonNull(header, "header");
    tensors = NameOrder.sortedCopy(tensors);
    nonFiniteTensors = List.copyOf(nonFiniteTensors);
  }

  public Path file() {
    return header.file();
  }

  /** The {@code __metadata__} map, empty when the file has none. */
  public Map<String, String> metadata() {
    return header.metadata();
  }

  /**
   * The tensor with this name.
   *
   * @throws NoSuchElementException naming the file and the tensor when there is none; use {@link
   *     #checkTensors} first to report every missing tensor at once
   */
  public Tensor tensor(String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new NoSuchElementException(file() + " has no tensor '" + name + "'");
    }
    return t;
  }

  /** See {@link SafetensorsHeader#checkTensors}. */
  public void checkTensors(Map<String, long[]> expectedShapes) throws TensorSetMismatchException {
    header.checkTensors(expectedShapes);
  }
}
