package org.evomoe.checkpoint;

/**
 * Exact conversions between float32 and the two 16-bit float formats of checkpoints: IEEE 754
 * binary16 ("half", F16) and bfloat16 (BF16). Arguments and results hold the 16 bits in the low
 * half of an int. Subnormals, signed zeros, infinities and NaNs are all handled.
 */
public final class HalfFloats {
  private HalfFloats() {}

  /**
   * The float32 equal to a binary16 value. Every binary16 value is exactly representable, so this
   * is exact; NaNs stay NaNs (sign and payload bits are kept).
   *
   * @param bits the binary16 bits in the low 16 bits (higher bits are ignored)
   */
  public static float halfToFloat(int bits) {
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1F;
    int mantissa = bits & 0x3FF;
    if (exponent == 0x1F) { // infinity (mantissa 0) or NaN
      return Float.intBitsToFloat(sign | 0x7F80_0000 | (mantissa << 13));
    }
    if (exponent == 0) {
      if (mantissa == 0) {
        return Float.intBitsToFloat(sign); // signed zero
      }
      // Subnormal: mantissa * 2^-24. Shift the leading one up to the implicit-bit position.
      int e = -14;
      while ((mantissa & 0x400) == 0) {
        mantissa <<= 1;
        e--;
      }
      mantissa &= 0x3FF;
      return Float.intBitsToFloat(sign | ((e + 127) << 23) | (mantissa << 13));
    }
    return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
  }

  /**
   * The float32 equal to a bfloat16 value (exact: bfloat16 is the upper half of a float32).
   *
   * @param bits the bfloat16 bits in the low 16 bits (higher bits are ignored)
   */
  public static float bfloat16ToFloat(int bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }

  /**
   * Rounds a float32 to the nearest bfloat16, ties to even. Values beyond the largest bfloat16
   * round to infinity as IEEE rounding prescribes; infinities are kept; a NaN becomes a quiet NaN
   * with the same sign (never an infinity).
   *
   * @return the bfloat16 bits in the low 16 bits
   */
  public static int floatToBfloat16(float value) {
    int bits = Float.floatToRawIntBits(value);
    if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) { // NaN: keep sign and top payload bits, set quiet bit
      return (bits >>> 16) | 0x0040;
    }
    int lsb = (bits >>> 16) & 1;
    return (bits + 0x7FFF + lsb) >>> 16;
  }
}
