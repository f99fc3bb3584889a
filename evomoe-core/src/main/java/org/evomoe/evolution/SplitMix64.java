package org.evomoe.evolution;

/**
 * SplitMix64 (Steele, Lea and Flood 2014; Vigna's reference constants): a 64-bit generator whose
 * whole state is one {@code long}, so it can be saved and restored exactly. Outputs equal those
 * of {@code new java.util.SplittableRandom(seed).nextLong()}, whose state is not accessible.
 */
final class SplitMix64 {
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private long state;

  SplitMix64(long state) {
    this.state = state;
  }

  long state() {
    return state;
  }

  void setState(long state) {
    this.state = state;
  }

  long nextLong() {
    long z = (state += GOLDEN_GAMMA);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in {@code [0, 1)} with 53 random bits. */
  double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }
}
