package org.evomoe.checkpoint;

/**
 * The element types this project reads from safetensors files; every one is converted to float32
 * on loading. Names are the safetensors spellings. {@link #F32} and {@link #BF16} can also be
 * written.
 */
public enum Dtype {
  /** IEEE 754 binary32, 4 bytes little-endian. */
  F32(4),
  /** IEEE 754 binary16 (half precision), 2 bytes little-endian. Read only. */
  F16(2),
  /** bfloat16 (the upper 16 bits of a binary32), 2 bytes little-endian. */
  BF16(2);

  private final int byteSize;

  Dtype(int byteSize) {
    this.byteSize = byteSize;
  }

  /** Bytes per element in the file. */
  public int byteSize() {
    return byteSize;
  }

  /** Whether {@link Safetensors#write} can store tensors in this type. */
  public boolean writable() {
    return this != F16;
  }

  /** The dtype with this exact safetensors name, or null when there is none. */
  static Dtype fromName(String name) {
    for (Dtype d : values()) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    return null;
  }
}
