package org.evomoe.tensor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A scope in which the calling thread promises that no parameter value changes, so that layers may
 * keep arrays derived from their weights (for example the DTR's packed [W2 | b2]) from one forward
 * to the next instead of rebuilding them every call. Inference loops open one around many
 * forwards:
 *
 * <pre>{@code
 * try (FrozenWeights ignored = FrozenWeights.open()) {
 *   for (...) { logits = model.forward(chunk, cache); }   // derived arrays built once
 * }
 * optimizer.step();                                       // weights change: no scope is open
 * }</pre>
 *
 * <p>Every scope gets an id never used before, and a layer reuses a derived array only while the
 * scope it was built in is still open on its thread ({@link #currentId()} equals the id it stored).
 * So nothing derived survives into a later scope: whatever changed the weights between two scopes
 * (an optimiser step, a checkpoint load, a user's {@code value().assign}) is seen by the first
 * forward of the next one. Inside a scope, the library's own mutation paths ({@code AdamW.step},
 * checkpoint loading, {@link Parameter#bind}) throw {@link IllegalStateException} via {@link
 * #requireUnfrozen}; code that writes parameter values directly must do so outside a scope.
 *
 * <p>Scopes belong to one thread. Opening a scope while one is open on the same thread joins the
 * outer one (same id); only the outermost {@link #close()} ends it.
 */
public final class FrozenWeights implements AutoCloseable {
  private static final AtomicLong NEXT_ID = new AtomicLong(1);
  private static final ThreadLocal<FrozenWeights> OPEN = new ThreadLocal<>();

  private final long id;
  private final boolean outermost;
  private boolean closed;

  private FrozenWeights(long id, boolean outermost) {
    this.id = id;
    this.outermost = outermost;
  }

  /** Opens a scope on this thread, or joins the one already open. */
  public static FrozenWeights open() {
    FrozenWeights outer = OPEN.get();
    if (outer != null) {
      return new FrozenWeights(outer.id, false);
    }
    FrozenWeights f = new FrozenWeights(NEXT_ID.getAndIncrement(), true);
    OPEN.set(f);
    return f;
  }

  /** The id of the scope open on this thread (a positive number never reused), or 0 when none. */
  public static long currentId() {
    FrozenWeights f = OPEN.get();
    return f == null ? 0 : f.id;
  }

  /**
   * Throws if a scope is open on this thread; called by the library's paths that change parameter
   * values.
   *
   * @param what the operation, for the message (e.g. "AdamW.step")
   * @throws IllegalStateException inside a scope
   */
  public static void requireUnfrozen(String what) {
    if (OPEN.get() != null) {
      throw new IllegalStateException(what + " changes parameter values, which is not allowed while "
          + "a FrozenWeights scope is open on this thread (an inference loop such as "
          + "Generator.generate); run it after the scope closes");
    }
  }

  /** Ends the scope if this is the outermost handle; a second close does nothing. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (outermost && OPEN.get() == this) {
      OPEN.remove();
    }
  }
}
