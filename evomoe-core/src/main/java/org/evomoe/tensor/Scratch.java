package org.evomoe.tensor;

/**
 * Per-thread reusable work arrays for the plain-Java kernels, so that a kernel call allocates no
 * Java arrays (a training step of the demo model allocated about 17 MB of short-lived kernel
 * buffers, which the JVM answered by growing its heap). Each thread has {@value #SLOTS} float and
 * {@value #SLOTS} double slots; an array obtained from a slot stays valid until the same thread
 * asks for that slot again, so a kernel uses distinct slots for the arrays it holds at once and
 * must not call another kernel that uses the same slots while it holds them.
 */
public final class Scratch {
  /** Slots per element type and thread. */
  public static final int SLOTS = 4;

  private static final ThreadLocal<float[][]> FLOATS =
      ThreadLocal.withInitial(() -> new float[SLOTS][0]);
  private static final ThreadLocal<double[][]> DOUBLES =
      ThreadLocal.withInitial(() -> new double[SLOTS][0]);

  private Scratch() {}

  /** A float array of at least {@code n} elements (contents undefined) from slot {@code slot}. */
  public static float[] floats(int slot, int n) {
    float[][] s = FLOATS.get();
    if (s[slot].length < n) {
      s[slot] = new float[n];
    }
    return s[slot];
  }

  /** A double array of at least {@code n} elements (contents undefined) from slot {@code slot}. */
  public static double[] doubles(int slot, int n) {
    double[][] s = DOUBLES.get();
    if (s[slot].length < n) {
      s[slot] = new double[n];
    }
    return s[slot];
  }
}
