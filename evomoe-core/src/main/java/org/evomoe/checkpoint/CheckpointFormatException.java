package org.evomoe.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A checkpoint file that is damaged, hostile or not what was expected. Every problem found while
 * validating or loading a file is reported with this exception (or its subclass {@link
 * TensorSetMismatchException}); plain {@link IOException}s remain for the file system itself (a
 * missing file, an unreadable disk).
 *
 * <p>The message names the file, the tensor involved (if any) and a byte offset in the file: the
 * JSON token at fault for header problems, the position in the data for data problems. The same
 * facts are available as {@link #reason()}, {@link #file()}, {@link #tensor()} and {@link
 * #byteOffset()}.
 */
public class CheckpointFormatException extends IOException {
  private static final long serialVersionUID = 1L;
  private static final int MAX_NAME_CHARS = 200;

  /** What is wrong with the file. */
  public enum Reason {
    /** The file ends before the 8-byte length prefix, the header or a tensor's data ends. */
    TRUNCATED,
    /** The header length is larger than the file, or larger than the configured limit. */
    HEADER_LENGTH,
    /** The header is not valid UTF-8 JSON, not an object, or has fields of the wrong type. */
    MALFORMED_HEADER,
    /** A JSON object in the header repeats a key (a tensor name, a metadata key, a field). */
    DUPLICATE_KEY,
    /** A dtype that is unknown or that this project does not read (only F32, F16, BF16). */
    UNSUPPORTED_DTYPE,
    /** A shape with a negative or non-integer dimension, too many dimensions, or overflow. */
    BAD_SHAPE,
    /** data_offsets that are malformed, reversed, or point past the end of the data. */
    BAD_OFFSETS,
    /** Two tensors' byte ranges overlap. */
    OVERLAP,
    /** Some bytes of the data region belong to no tensor (a hole or trailing bytes). */
    GAP,
    /** The byte range of a tensor does not have the length its shape and dtype imply. */
    BYTE_COUNT_MISMATCH,
    /** A tensor has more elements than a Java array can hold. */
    TENSOR_TOO_LARGE,
    /** A tensor holds NaN or infinity and the load options do not allow that. */
    NON_FINITE,
    /** The file's tensors are not the expected set (missing, extra or differently shaped). */
    TENSOR_SET_MISMATCH
  }

  private final Reason reason;
  private final transient Path file;
  private final String tensor;
  private final long byteOffset;
  private final String detail;

  /**
   * @param reason what is wrong
   * @param file the file (named in the message)
   * @param tensor the tensor involved, or null
   * @param byteOffset the byte offset in the file where the problem is, at least 0
   * @param detail a sentence describing the problem
   */
  public CheckpointFormatException(
      Reason reason, Path file, String tensor, long byteOffset, String detail) {
    this(reason, file, tensor, byteOffset, detail, null);
  }

  /** As {@link #CheckpointFormatException(Reason, Path, String, long, String)}, with a cause. */
  public CheckpointFormatException(
      Reason reason, Path file, String tensor, long byteOffset, String detail, Throwable cause) {
    super(message(reason, file, tensor, byteOffset, detail), cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.file = Objects.requireNonNull(file, "file");
    if (byteOffset < 0) {
      throw new IllegalArgumentException("byte offset must be >= 0, got " + byteOffset);
    }
    this.tensor = tensor;
    this.byteOffset = byteOffset;
    this.detail = detail;
  }

  public Reason reason() {
    return reason;
  }

  public Path file() {
    return file;
  }

  /** The tensor involved, or null when the problem concerns no single tensor. */
  public String tensor() {
    return tensor;
  }

  /** Byte offset in the file where the problem was found. */
  public long byteOffset() {
    return byteOffset;
  }

  /** The problem description without the file, tensor and offset prefix. */
  public String detail() {
    return detail;
  }

  private static String message(
      Reason reason, Path file, String tensor, long byteOffset, String detail) {
    StringBuilder sb = new StringBuilder();
    sb.append(file);
    if (tensor != null) {
      sb.append(", tensor '").append(printable(tensor)).append('\'');
    }
    sb.append(", byte ").append(byteOffset).append(": ").append(detail);
    sb.append(" [").append(reason).append(']');
    return sb.toString();
  }

  /**
   * A name from an untrusted file made safe for a log line: control characters escaped, long
   * names shortened.
   */
  static String printable(String name) {
    StringBuilder sb = new StringBuilder();
    int limit = Math.min(name.length(), MAX_NAME_CHARS);
    for (int i = 0; i < limit; i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7F || Character.isSurrogate(c)) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    if (name.length() > limit) {
      sb.append("...(").append(name.length()).append(" chars)");
    }
    return sb.toString();
  }
}
