package org.evomoe.checkpoint;

import java.io.IOException;

/**
 * A consumer that may throw {@link IOException}, for example the body of a file write.
 *
 * @param <T> what it consumes
 */
@FunctionalInterface
public interface IoConsumer<T> {
  /** Consumes {@code value}; any exception aborts the surrounding operation. */
  void accept(T value) throws IOException;
}
