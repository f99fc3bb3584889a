package org.evomoe.nn;

import static org.evomoe.TestArrays.maxAbsDiff;
import static org.evomoe.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.evomoe.tensor.FrozenWeights;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link RmsNorm#forward(INDArray, INDArray)} and {@link Linear#forward(INDArray, INDArray)} write
 * the bits of the allocating forwards into the caller's array, in and out of a FrozenWeights scope,
 * and keep the same state for backward; a wrong output array is rejected.
 */
class OutputArraysTest {
  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
  void intoTheCallersArrayEqualsTheAllocatingForward(DataType type) {
    RmsNorm norm = new RmsNorm("n", 12, 1e-5, type);
    norm.weight().value().assign(normal(1, type, 12));
    Linear lin = new Linear("l", 12, 7, true, type, new SplittableRandom(2));
    lin.bias().value().assign(normal(3, type, 7));
    for (boolean scoped : new boolean[] {false, true}) {
      for (int rows : new int[] {1, 3, 9}) {
        INDArray x = normal(4 + rows, type, rows, 12);
        INDArray dy = normal(5 + rows, type, rows, 12);
        try (FrozenWeights ignored = scoped ? FrozenWeights.open() : null) {
          INDArray wantNorm = norm.forward(x).dup();
          INDArray wantDx = norm.backward(dy).dup();
          INDArray into = Nd4j.createUninitialized(type, rows, 12);
          assertSame(into, norm.forward(x, into));
          assertEquals(0.0, maxAbsDiff(into, wantNorm), "norm, " + rows + " rows");
          assertEquals(0.0, maxAbsDiff(norm.backward(dy), wantDx), "norm backward");
          INDArray wantLin = lin.forward(x).dup();
          INDArray linInto = Nd4j.createUninitialized(type, rows, 7);
          assertSame(linInto, lin.forward(x, linInto));
          assertEquals(0.0, maxAbsDiff(linInto, wantLin), "linear, " + rows + " rows");
        }
      }
    }
    INDArray x = normal(9, type, 2, 12);
    DataType other = type == DataType.FLOAT ? DataType.DOUBLE : DataType.FLOAT;
    assertThrows(IllegalArgumentException.class,
        () -> norm.forward(x, Nd4j.createUninitialized(type, 3, 12)));
    assertThrows(IllegalArgumentException.class,
        () -> norm.forward(x, Nd4j.createUninitialized(other, 2, 12)));
    assertThrows(IllegalArgumentException.class,
        () -> lin.forward(x, Nd4j.createUninitialized(type, 2, 8)));
    assertThrows(IllegalArgumentException.class,
        () -> lin.forward(x, Nd4j.createUninitialized(type, 7, 2).transpose()));
  }
}
