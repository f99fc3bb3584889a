package org.evomoe.tensor;

import static org.evomoe.TestArrays.maxAbsDiff;
import static org.evomoe.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.evomoe.nn.Linear;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Binding parameters to views of external flat arrays. */
class ParameterBindTest {
  private static INDArray slice(INDArray flat, long from, long... shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    return flat.get(NDArrayIndex.interval(from, from + n)).reshape('c', shape);
  }

  @Test
  void boundLayerReadsAndWritesTheFlatArrays() {
    Linear a = new Linear("a", 5, 3, true, DataType.DOUBLE, new SplittableRandom(1));
    Linear b = new Linear("b", 5, 3, true, DataType.DOUBLE, new SplittableRandom(1));
    INDArray flat = Nd4j.zeros(DataType.DOUBLE, 100);
    INDArray flatGrad = Nd4j.zeros(DataType.DOUBLE, 100);
    // Offsets 7 and 22 leave gaps so that a wrong offset would read the wrong numbers.
    INDArray w = slice(flat, 7, 3, 5);
    INDArray bias = slice(flat, 22, 3);
    w.assign(b.weight().value());
    bias.assign(b.bias().value().addi(0.5));
    b.weight().bind(w, slice(flatGrad, 7, 3, 5));
    b.bias().bind(bias, slice(flatGrad, 22, 3));
    a.bias().value().addi(0.5);
    assertTrue(b.weight().isBound());
    assertSame(w, b.weight().value());

    INDArray x = normal(3, 4, 5);
    INDArray dy = normal(4, 4, 3);
    assertEquals(0, maxAbsDiff(a.forward(x), b.forward(x)), 1e-15);
    a.backward(dy);
    b.backward(dy);
    assertEquals(0, maxAbsDiff(a.weight().grad(), slice(flatGrad, 7, 3, 5)), 1e-15);
    assertEquals(0, maxAbsDiff(a.bias().grad(), slice(flatGrad, 22, 3)), 1e-15);
    assertEquals(0.0, flatGrad.get(NDArrayIndex.interval(0, 7)).sumNumber().doubleValue());

    // Writes into the flat array are what the layer uses next.
    flat.get(NDArrayIndex.interval(7, 22)).muli(2);
    a.weight().value().muli(2);
    assertEquals(0, maxAbsDiff(a.forward(x), b.forward(x)), 1e-15);
  }

  @Test
  void freezingKeepsTheBoundGradientButHidesIt() {
    Parameter p = new Parameter("p", Nd4j.zeros(DataType.FLOAT, 2, 3), true);
    INDArray flat = Nd4j.zeros(DataType.FLOAT, 12);
    INDArray g = slice(flat, 6, 2, 3);
    p.bind(slice(flat, 0, 2, 3), g);
    p.setTrainable(false);
    assertFalse(p.hasGrad());
    assertThrows(IllegalStateException.class, p::grad);
    p.setTrainable(true);
    assertSame(g, p.grad());
    p.grad().assign(3);
    assertEquals(18.0, flat.sumNumber().doubleValue(), 0.0);
  }

  @Test
  void rejectsWrongShapeTypeLayoutAndOverlap() {
    Parameter p = new Parameter("w", Nd4j.zeros(DataType.FLOAT, 2, 3), true);
    INDArray flat = Nd4j.zeros(DataType.FLOAT, 20);
    INDArray ok = slice(flat, 0, 2, 3);
    var shape = assertThrows(IllegalArgumentException.class,
        () -> p.bind(slice(flat, 0, 3, 2), slice(flat, 10, 2, 3)));
    assertTrue(shape.getMessage().contains("w") && shape.getMessage().contains("[3, 2]"), shape.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> p.bind(Nd4j.zeros(DataType.DOUBLE, 2, 3), slice(flat, 10, 2, 3)));
    assertThrows(IllegalArgumentException.class,
        () -> p.bind(Nd4j.zeros(DataType.FLOAT, 3, 2).transpose(), slice(flat, 10, 2, 3)));
    var overlap = assertThrows(IllegalArgumentException.class, () -> p.bind(ok, slice(flat, 3, 2, 3)));
    assertTrue(overlap.getMessage().contains("overlap"), overlap.getMessage());
  }
}
