package org.evomoe.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads and writes safetensors files of named float tensors, as specified in
 * docs/checkpoint-format.md ("The safetensors container").
 *
 * <p>Reading accepts F32, F16 and BF16 tensors and converts them to float32. It treats the file
 * as untrusted: sizes are checked against the real file length before anything is allocated, the
 * tensors' byte ranges must cover the data exactly, and every problem is a {@link
 * CheckpointFormatException} naming the file, tensor and byte offset.
 *
 * <p>Writing stores every tensor as F32 or BF16 (rounded to nearest, ties to even), sorted by
 * name, through {@link AtomicFiles} so that a failed save leaves the previous file intact.
 */
public final class Safetensors {
  private Safetensors() {}

  /** Reads a file with {@link LoadOptions#defaults()}. */
  public static SafetensorsFile read(Path file) throws IOException {
    return read(file, LoadOptions.defaults());
  }

  /**
   * Reads, validates and converts every tensor of a file to float32.
   *
   * @throws CheckpointFormatException when the file is damaged or not a valid safetensors file
   * @throws IOException when the file cannot be read
   */
  public static SafetensorsFile read(Path file, LoadOptions options) throws IOException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(options, "options");
    return SafetensorsReader.read(file, options);
  }

  /**
   * Reads and validates only the header (names, dtypes, shapes, offsets, metadata); the data is
   * not read, so neither are non-finite values detected.
   *
   * @throws CheckpointFormatException when the header is damaged or inconsistent with the file
   */
  public static SafetensorsHeader readHeader(Path file, LoadOptions options) throws IOException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(options, "options");
    return SafetensorsReader.readHeader(file, options);
  }

  /**
   * Writes tensors atomically.
   *
   * @param file the file to create or replace
   * @param tensors tensors with distinct names (any order; the file is sorted by name)
   * @param metadata string pairs for {@code __metadata__}; {@code "format": "pt"} is added unless
   *     given
   * @param dtype {@link Dtype#F32} (exact) or {@link Dtype#BF16} (rounded)
   * @throws IllegalArgumentException for duplicate or reserved names or a dtype that cannot be
   *     written
   */
  public static void write(
      Path file, Collection<Tensor> tensors, Map<String, String> metadata, Dtype dtype)
      throws IOException {
    Objects.requireNonNull(tensors, "tensors");
    List<SafetensorsWriter.Pending> pending = new ArrayList<>();
    for (Tensor t : tensors) {
      Objects.requireNonNull(t, "tensor");
      pending.add(new SafetensorsWriter.Pending(t.name(), t.shape(), t::data));
    }
    SafetensorsWriter.write(file, pending, metadata, dtype);
  }

  /**
   * Writes ND4J arrays atomically, converting each to float32 in c order only when it is written
   * (so one converted copy at a time is held on the heap). The arrays are not modified.
   *
   * @param arrays arrays by tensor name, of any shape, order and data type
   * @see #write(Path, Collection, Map, Dtype)
   */
  public static void writeArrays(
      Path file, Map<String, INDArray> arrays, Map<String, String> metadata, Dtype dtype)
      throws IOException {
    Objects.requireNonNull(arrays, "arrays");
    List<SafetensorsWriter.Pending> pending = new ArrayList<>();
    for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
      String name = e.getKey();
      INDArray array = Objects.requireNonNull(e.getValue(), "array of tensor " + name);
      pending.add(new SafetensorsWriter.Pending(
          name, array.shape(), () -> Tensor.of(name, array).data()));
    }
    SafetensorsWriter.write(file, pending, metadata, dtype);
  }
}
