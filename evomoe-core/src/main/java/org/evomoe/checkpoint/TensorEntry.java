package org.evomoe.checkpoint;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor as the header of a safetensors file describes it (already validated).
 *
 * @param name the tensor's name
 * @param dtype the element type stored in the file
 * @param shape the dimensions, each >= 0; empty for a scalar (copied in and out)
 * @param dataBegin first byte of the tensor, relative to the start of the data region
 * @param dataEnd one past the last byte, relative to the start of the data region
 */
public record TensorEntry(String name, Dtype dtype, long[] shape, long dataBegin, long dataEnd) {
  public TensorEntry {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype of " + name);
    shape = Objects.requireNonNull(shape, "shape of " + name).clone();
    if (dataBegin < 0 || dataEnd < dataBegin) {
      throw new IllegalArgumentException(
          "tensor " + name + " has bad data offsets [" + dataBegin + ", " + dataEnd + "]");
    }
  }

  /** The dimensions (a copy). */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** Product of the dimensions (1 for a scalar). */
  public long elementCount() {
    return Tensor.elementCount(name, shape);
  }

  /** Number of bytes the tensor occupies in the file. */
  public long byteLength() {
    return dataEnd - dataBegin;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorEntry e
        && name.equals(e.name)
        && dtype == e.dtype
        && Arrays.equals(shape, e.shape)
        && dataBegin == e.dataBegin
        && dataEnd == e.dataEnd;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dtype, Arrays.hashCode(shape), dataBegin, dataEnd);
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape) + " @[" + dataBegin + ", " + dataEnd + ")";
  }
}
