package org.evomoe.tensor;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Work arrays that a layer reuses from one forward to the next inside one {@link FrozenWeights}
 * scope, instead of creating ND4J arrays on every forward: decoding runs the same few-row shapes
 * once per token, and creating an ND4J array (its buffer, shape information and native
 * deallocator) costs more there than the arithmetic it holds (docs/performance.md, "Decoding,
 * fifth round"). An array is kept per slot, data type and shape, allocated outside every
 * workspace (contents undefined), and only for the scope it was made in: a call in another scope
 * forgets every earlier array (the garbage collector frees them, so one that a layer still holds
 * for its backward stays valid).
 *
 * <p>The next call for the same slot and shape in the scope returns the same array: a layer uses
 * this only for arrays that no caller holds across two of its forwards (its own intermediate
 * values and what it keeps for the backward of its last forward). Like the scopes, an instance
 * belongs to one thread.
 */
public final class ScopedArrays {
  private record Key(int slot, DataType type, long[] shape) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.slot == slot && k.type == type
          && Arrays.equals(k.shape, shape);
    }

    @Override
    public int hashCode() {
      return 31 * (31 * slot + type.hashCode()) + Arrays.hashCode(shape);
    }
  }

  private long scope; // FrozenWeights id of the kept arrays; 0 = none
  private final Map<Key, INDArray> arrays = new HashMap<>();

  /** Whether a {@link FrozenWeights} scope is open on this thread ({@link #get} may be called). */
  public static boolean available() {
    return FrozenWeights.currentId() != 0;
  }

  /**
   * Whether a forward of {@code rows} rows of {@code type} keeps its work arrays here: the
   * decoding case, the one rule every layer applies. A scope is open on this thread, and the rows
   * are 1 to {@link TransposedWeights#MAX_ROWS} of a type the plain-Java products take.
   */
  public static boolean keeps(long rows, DataType type) {
    return rows >= 1 && rows <= TransposedWeights.MAX_ROWS && TransposedWeights.supports(type)
        && available();
  }

  /**
   * The array of this slot, type and shape for the open scope, created now on the scope's first
   * call (dense c-order, outside every workspace, contents undefined).
   *
   * @throws IllegalStateException when no scope is open
   */
  public INDArray get(int slot, DataType type, long... shape) {
    long id = FrozenWeights.currentId();
    if (id == 0) {
      throw new IllegalStateException(
          "reused work arrays need an open FrozenWeights scope on this thread");
    }
    if (id != scope) {
      arrays.clear();
      scope = id;
    }
    Key key = new Key(slot, type, shape);
    INDArray a = arrays.get(key);
    if (a == null) {
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        a = Nd4j.createUninitialized(type, shape);
      }
      arrays.put(new Key(slot, type, shape.clone()), a);
    }
    return a;
  }

  /** Arrays kept for the current scope (tests). */
  int size() {
    return arrays.size();
  }
}
