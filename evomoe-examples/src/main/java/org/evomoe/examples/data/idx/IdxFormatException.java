package org.evomoe.examples.data.idx;

import java.io.IOException;

/**
 * An IDX file (or stream) that is malformed: bad magic number, impossible dimensions, a length
 * that disagrees with its header, an out-of-range value, or corrupt gzip data.
 *
 * <p>The message names the source (file path or resource name), the problem and the byte offset
 * where it was found. For gzipped sources the offset counts bytes of the decompressed IDX data.
 */
public final class IdxFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final long offset;

  /**
   * @param source file path or resource name
   * @param offset byte offset of the problem in the (decompressed) IDX data
   * @param compressed whether the source was gzipped, so the offset is in the decompressed data
   * @param problem what is wrong
   */
  public IdxFormatException(String source, long offset, boolean compressed, String problem) {
    super(
        source
            + ": "
            + problem
            + " (at byte offset "
            + offset
            + (compressed ? " of the decompressed data)" : ")"));
    this.source = source;
    this.offset = offset;
  }

  /**
   * For problems found after reading, in a header field or data byte whose offset is the same
   * whether or not the file was gzipped (counted in the IDX data itself).
   *
   * @param source file path or resource name
   * @param offset byte offset of the offending field in the IDX data
   * @param problem what is wrong
   */
  public IdxFormatException(String source, long offset, String problem) {
    super(source + ": " + problem + " (at IDX byte offset " + offset + ")");
    this.source = source;
    this.offset = offset;
  }

  /** The file path or resource name that failed. */
  public String source() {
    return source;
  }

  /** The byte offset of the problem in the (decompressed) IDX data. */
  public long offset() {
    return offset;
  }
}
