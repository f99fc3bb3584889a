package org.evomoe.examples.spark;

import java.io.Serializable;

/**
 * One shard's result as it travels to the sum: its weight and loss in double precision, and its
 * gradient in the model's own precision ({@code float[]} for a float32 model: half the bytes of
 * doubles, and nothing lost, since the sum converts every value to double before adding). The sum
 * adds {@code weight * loss} and {@code weight * gradient} (in double; exact for a float gradient
 * and an integer weight below 2^29).
 */
final class ShardVector implements Serializable {
  private static final long serialVersionUID = 1L;

  final double weight;
  final double loss;
  private final float[] floats; // or null
  private final double[] doubles; // or null

  ShardVector(double weight, double loss, float[] floats, double[] doubles) {
    if ((floats == null) == (doubles == null)) {
      throw new IllegalArgumentException("a shard vector holds floats or doubles");
    }
    this.weight = weight;
    this.loss = loss;
    this.floats = floats;
    this.doubles = doubles;
  }

  /** Gradient scalars. */
  int length() {
    return floats != null ? floats.length : doubles.length;
  }

  /** Bytes of the gradient. */
  long bytes() {
    return floats != null ? 4L * floats.length : 8L * doubles.length;
  }

  /** [weight, weight * loss, weight * gradient...] in double precision (a new array). */
  double[] toDoubles() {
    double[] v = new double[2 + length()];
    v[0] = weight;
    v[1] = weight * loss;
    if (floats != null) {
      for (int i = 0; i < floats.length; i++) {
        v[2 + i] = weight * floats[i];
      }
    } else {
      for (int i = 0; i < doubles.length; i++) {
        v[2 + i] = weight * doubles[i];
      }
    }
    return v;
  }
}
