package org.evomoe.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A saved MoE layer's config.json cannot be read, or describes another layer than the one asked
 * for. The message names the file and the field.
 */
public class MoeLayerConfigException extends IOException {
  private static final long serialVersionUID = 1L;

  public MoeLayerConfigException(Path file, String detail, Throwable cause) {
    super(file + ": " + detail, cause);
  }
}
