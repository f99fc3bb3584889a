package org.evomoe.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Work arrays kept per slot, type and shape for one FrozenWeights scope. */
class ScopedArraysTest {
  @Test
  void oneArrayPerSlotTypeAndShapeWithinAScopeOutsideTheStepWorkspace() {
    ScopedArrays s = new ScopedArrays();
    INDArray a;
    try (FrozenWeights ignored = FrozenWeights.open()) {
      assertTrue(ScopedArrays.available());
      try (MemoryWorkspace ws = StepWorkspace.open("scoped-arrays-test")) {
        a = s.get(0, DataType.FLOAT, 2, 3);
        assertFalse(a.isAttached(), "outside every workspace");
      } finally {
        StepWorkspace.release("scoped-arrays-test");
      }
      a.assign(5);
      assertSame(a, s.get(0, DataType.FLOAT, 2, 3), "the same array within the scope");
      assertEquals(5.0, a.getDouble(1, 2), "left as the last user wrote it");
      assertNotSame(a, s.get(1, DataType.FLOAT, 2, 3), "another slot");
      assertNotSame(a, s.get(0, DataType.FLOAT, 3, 2), "another shape");
      assertNotSame(a, s.get(0, DataType.DOUBLE, 2, 3), "another type");
      assertEquals(DataType.DOUBLE, s.get(0, DataType.DOUBLE, 2, 3).dataType());
      assertEquals(4, s.size());
    }
    try (FrozenWeights ignored = FrozenWeights.open()) {
      INDArray b = s.get(0, DataType.FLOAT, 2, 3);
      assertNotSame(a, b, "a new scope gets new arrays");
      assertEquals(1, s.size(), "the earlier scope's arrays are forgotten");
      assertEquals(5.0, a.getDouble(1, 2), "an array still held stays valid");
    }
    assertFalse(ScopedArrays.available());
    assertThrows(IllegalStateException.class, () -> s.get(0, DataType.FLOAT, 2, 3));
  }

  @Test
  void keepsOnlyAFewRowsOfAFloatOrDoubleInsideAScope() {
    assertFalse(ScopedArrays.keeps(1, DataType.FLOAT), "no scope");
    try (FrozenWeights ignored = FrozenWeights.open()) {
      assertTrue(ScopedArrays.keeps(1, DataType.FLOAT));
      assertTrue(ScopedArrays.keeps(TransposedWeights.MAX_ROWS, DataType.DOUBLE));
      assertFalse(ScopedArrays.keeps(TransposedWeights.MAX_ROWS + 1, DataType.FLOAT), "too many rows");
      assertFalse(ScopedArrays.keeps(0, DataType.FLOAT), "no rows");
      assertFalse(ScopedArrays.keeps(1, DataType.HALF), "a type the Java products do not take");
    }
  }
}
