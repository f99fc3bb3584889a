package org.evomoe.checkpoint;

import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A named float32 tensor in plain Java: its shape and its elements in row-major (c) order.
 *
 * <p>The shape is copied in and out; the data array is used as is, not copied (tensors can be
 * large), so callers must not modify it while the tensor is in use. Equality compares name, shape
 * and element bits.
 *
 * @param name the tensor's name, non-empty
 * @param shape the dimensions, each >= 0; empty for a scalar
 * @param data the elements, length = product of the dimensions (1 for a scalar)
 */
public record Tensor(String name, long[] shape, float[] data) {
  public Tensor {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("tensor name must be non-empty");
    }
    Objects.requireNonNull(shape, "shape of tensor " + name);
    Objects.requireNonNull(data, "data of tensor " + name);
    shape = shape.clone();
    long count = elementCount(name, shape);
    if (count != data.length) {
      throw new IllegalArgumentException(
          "tensor " + name + " has shape " + Arrays.toString(shape) + " (" + count
              + " elements) but " + data.length + " data elements");
    }
  }

  /**
   * Copies an ND4J array of any data type, order or view into a float32 tensor; the array is not
   * modified.
   *
   * @param name the tensor's name
   * @param array any shape
   */
  public static Tensor of(String name, INDArray array) {
    Objects.requireNonNull(array, "array of tensor " + name);
    long[] shape = array.shape();
    if (array.isEmpty() || array.length() == 0) {
      return new Tensor(name, shape, new float[0]);
    }
    if (array.length() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "tensor " + name + " has " + array.length() + " elements, more than a Java array holds");
    }
    float[] data;
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      if (array.dataType() == DataType.FLOAT && array.ordering() == 'c' && !array.isView()
          && array.data().length() == array.length()) {
        data = array.data().asFloat();
      } else {
        INDArray cast = array.dataType() == DataType.FLOAT ? array : array.castTo(DataType.FLOAT);
        INDArray dense = cast.dup('c');
        data = dense.data().asFloat();
        dense.close();
        if (cast != array) {
          cast.close();
        }
      }
    }
    return new Tensor(name, shape, data);
  }

  /**
   * A new float32, c-ordered ND4J array with this shape and a copy of the data, allocated outside
   * any workspace.
   */
  public INDArray toINDArray() {
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      if (data.length == 0) {
        return Nd4j.create(DataType.FLOAT, shape);
      }
      return Nd4j.create(data.clone(), shape, 'c');
    }
  }

  /** The dimensions (a copy). */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** Number of dimensions; 0 for a scalar. */
  public int rank() {
    return shape.length;
  }

  /** Whether every element is finite (no NaN, no infinity). */
  public boolean isFinite() {
    for (float v : data) {
      if (!Float.isFinite(v)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t
        && name.equals(t.name)
        && Arrays.equals(shape, t.shape)
        && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * name.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "Tensor[" + name + " " + Arrays.toString(shape) + "]";
  }

  /** Product of the dimensions, validating each; throws on negative or overflowing shapes. */
  static long elementCount(String name, long[] shape) {
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "tensor " + name + " has a negative dimension in shape " + Arrays.toString(shape));
      }
    }
    if (Arrays.stream(shape).anyMatch(d -> d == 0)) {
      return 0; // empty whatever the other dimensions are
    }
    long count = 1;
    for (long d : shape) {
      try {
        count = Math.multiplyExact(count, d);
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException(
            "tensor " + name + " shape " + Arrays.toString(shape) + " overflows a long");
      }
    }
    return count;
  }
}
