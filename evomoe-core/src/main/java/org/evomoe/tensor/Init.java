package org.evomoe.tensor;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Seeded, backend-independent parameter initialisation: values come from a Java PRNG, so the same
 * seed gives the same weights on every backend and thread count.
 */
public final class Init {
  private Init() {}

  /** Normal(0, std^2) values of the given shape, outside any workspace. */
  public static INDArray normal(SplittableRandom rng, double std, DataType type, long... shape) {
    long n = 1;
    for (long s : shape) {
      if (s <= 0) {
        throw new IllegalArgumentException(
            "shape dimensions must be positive: " + java.util.Arrays.toString(shape));
      }
      n *= s;
    }
    double[] v = new double[Math.toIntExact(n)];
    for (int i = 0; i < v.length; i += 2) {
      // Box-Muller: two normals from two uniforms.
      double u1 = 1.0 - rng.nextDouble();
      double u2 = rng.nextDouble();
      double r = Math.sqrt(-2.0 * Math.log(u1));
      v[i] = std * r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < v.length) {
        v[i + 1] = std * r * Math.sin(2 * Math.PI * u2);
      }
    }
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      return Nd4j.create(v, shape, 'c').castTo(type);
    }
  }

  /** Zeros of the given shape, outside any workspace. */
  public static INDArray zeros(DataType type, long... shape) {
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      return Nd4j.zeros(type, shape);
    }
  }

  /** Ones of the given shape, outside any workspace. */
  public static INDArray ones(DataType type, long... shape) {
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      return Nd4j.ones(type, shape);
    }
  }
}
