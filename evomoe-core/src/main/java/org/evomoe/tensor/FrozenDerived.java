package org.evomoe.tensor;

import java.util.function.Supplier;

/**
 * A value derived from parameter values (a packed or transposed copy of weights) that a layer
 * keeps for the {@link FrozenWeights} scope it was built in, and only for that scope: {@link #get}
 * inside a scope returns the value built earlier in the same scope or builds it now; a value built
 * in an earlier scope is never returned, so a change of the weights between two scopes (an
 * optimiser step, a checkpoint load, a direct {@code value().assign}) is seen by the first call of
 * the next one. The value is an ordinary Java object (its memory is the garbage collector's);
 * {@link #drop} forgets it, which a layer does on its first forward outside a scope.
 *
 * <p>Like the scopes, an instance belongs to the thread that uses the layer.
 *
 * @param <T> the derived value's type
 */
public final class FrozenDerived<T> {
  private long scope; // FrozenWeights id the value was built in; 0 = none
  private T value;

  /**
   * The value for the scope open on this thread, built by {@code build} on the scope's first call.
   *
   * @throws IllegalStateException when no scope is open
   */
  public T get(Supplier<T> build) {
    long id = FrozenWeights.currentId();
    if (id == 0) {
      throw new IllegalStateException("a value derived from frozen weights needs an open "
          + "FrozenWeights scope on this thread");
    }
    if (id != scope || value == null) {
      value = null; // the earlier scope's value is unreachable from here on, even if build fails
      scope = 0;
      T built = build.get();
      value = built;
      scope = id;
    }
    return value;
  }

  /** Forgets the kept value (if any). */
  public void drop() {
    value = null;
    scope = 0;
  }

  /** The kept value, or null: the last scope's, which {@link #get} will not return in another. */
  public T kept() {
    return value;
  }
}
