package org.evomoe;

import java.util.SplittableRandom;
import org.evomoe.tensor.Init;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Seeded random arrays for tests. */
public final class TestArrays {
  private TestArrays() {}

  public static INDArray normal(long seed, DataType type, long... shape) {
    return Init.normal(new SplittableRandom(seed), 1.0, type, shape);
  }

  public static INDArray normal(long seed, long... shape) {
    return normal(seed, DataType.DOUBLE, shape);
  }

  /** Max |a - b| over all elements. */
  public static double maxAbsDiff(INDArray a, INDArray b) {
    return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
  }
}
