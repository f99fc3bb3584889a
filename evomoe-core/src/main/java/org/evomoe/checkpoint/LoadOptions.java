package org.evomoe.checkpoint;

/**
 * How strictly {@link Safetensors} loads a file.
 *
 * @param allowNonFinite when false (the default) a NaN or infinity in any tensor is an error
 *     ({@link CheckpointFormatException.Reason#NON_FINITE}); when true the file loads and each such
 *     tensor is logged as a warning and listed in {@link SafetensorsFile#nonFiniteTensors()}
 * @param maxHeaderBytes the largest JSON header accepted, in bytes (at least 2); a header length
 *     above it is rejected before anything is allocated
 */
public record LoadOptions(boolean allowNonFinite, long maxHeaderBytes) {
  /** The header limit of the reference implementation: 100 MB. */
  public static final long DEFAULT_MAX_HEADER_BYTES = 100_000_000L;

  public LoadOptions {
    if (maxHeaderBytes < 2) {
      throw new IllegalArgumentException("maxHeaderBytes must be >= 2, got " + maxHeaderBytes);
    }
  }

  /** Non-finite values rejected, header limited to {@link #DEFAULT_MAX_HEADER_BYTES}. */
  public static LoadOptions defaults() {
    return new LoadOptions(false, DEFAULT_MAX_HEADER_BYTES);
  }

  /** These options with non-finite values allowed (warned about) or rejected. */
  public LoadOptions withAllowNonFinite(boolean allow) {
    return new LoadOptions(allow, maxHeaderBytes);
  }
}
