package org.evomoe.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HalfFloatsTest {

  /** binary16 value computed from the definition (sign, biased exponent, fraction) in double. */
  private static double halfOracle(int bits) {
    double sign = (bits & 0x8000) != 0 ? -1 : 1;
    int exponent = (bits >>> 10) & 0x1F;
    int fraction = bits & 0x3FF;
    if (exponent == 0x1F) {
      return fraction == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
    }
    if (exponent == 0) {
      return sign * Math.scalb((double) fraction, -24); // subnormal: 0.fraction * 2^-14
    }
    return sign * Math.scalb((double) (1024 + fraction), exponent - 25);
  }

  @Test
  void halfToFloatMatchesTheDefinitionForAllPatterns() {
    for (int bits = 0; bits < 0x10000; bits++) {
      float got = HalfFloats.halfToFloat(bits);
      double want = halfOracle(bits);
      if (Double.isNaN(want)) {
        assertTrue(Float.isNaN(got));
        // sign and payload are kept
        assertEquals(bits & 0x8000, (Float.floatToRawIntBits(got) >>> 16) & 0x8000);
        assertEquals(bits & 0x3FF, (Float.floatToRawIntBits(got) >>> 13) & 0x3FF);
      } else {
        final int pattern = bits;
        assertEquals(want, got, 0.0, () -> "pattern " + Integer.toHexString(pattern));
        // signed zero keeps its sign
        assertEquals((bits & 0x8000) != 0, Float.floatToRawIntBits(got) < 0,
            () -> "sign of " + Integer.toHexString(pattern));
      }
    }
  }

  @Test
  void halfKnownPatterns() {
    assertEquals(1.0f, HalfFloats.halfToFloat(0x3C00));
    assertEquals(-2.0f, HalfFloats.halfToFloat(0xC000));
    assertEquals(65504.0f, HalfFloats.halfToFloat(0x7BFF));
    assertEquals(0x1p-24f, HalfFloats.halfToFloat(0x0001));
    assertEquals(1023 * 0x1p-24f, HalfFloats.halfToFloat(0x03FF)); // largest subnormal
    assertEquals(0x1p-14f, HalfFloats.halfToFloat(0x0400)); // smallest normal
    assertEquals(Float.POSITIVE_INFINITY, HalfFloats.halfToFloat(0x7C00));
    assertEquals(Float.NEGATIVE_INFINITY, HalfFloats.halfToFloat(0xFC00));
    assertTrue(Float.isNaN(HalfFloats.halfToFloat(0x7E00)));
    assertTrue(Float.isNaN(HalfFloats.halfToFloat(0x7C01)));
    assertEquals(Float.floatToRawIntBits(-0.0f),
        Float.floatToRawIntBits(HalfFloats.halfToFloat(0x8000)));
    // higher bits are ignored
    assertEquals(1.0f, HalfFloats.halfToFloat(0xFFFF3C00));
  }

  @Test
  void bfloat16ToFloatMatchesTheDefinitionForAllPatterns() {
    for (int bits = 0; bits < 0x10000; bits++) {
      float got = HalfFloats.bfloat16ToFloat(bits);
      double sign = (bits & 0x8000) != 0 ? -1 : 1;
      int exponent = (bits >>> 7) & 0xFF;
      int fraction = bits & 0x7F;
      if (exponent == 0xFF) {
        if (fraction == 0) {
          assertEquals(sign * Double.POSITIVE_INFINITY, got, 0.0);
        } else {
          assertTrue(Float.isNaN(got));
        }
      } else if (exponent == 0) {
        assertEquals(sign * Math.scalb((double) fraction, -133), got, 0.0); // 0.f * 2^-126
      } else {
        assertEquals(sign * Math.scalb((double) (128 + fraction), exponent - 134), got, 0.0);
      }
    }
  }

  /** Nearest bfloat16 by explicit comparison of the two neighbours, ties to even. */
  private static int bf16Oracle(float f) {
    int bits = Float.floatToRawIntBits(f);
    int lo = bits >>> 16; // toward zero
    int hi = lo + 1; // away from zero (may be infinity)
    double loValue = HalfFloats.bfloat16ToFloat(lo);
    double hiValue = (hi & 0x7FFF) == 0x7F80
        ? Math.copySign(Math.scalb(1.0, 128), f) // the rounding boundary for overflow
        : HalfFloats.bfloat16ToFloat(hi);
    double dLo = Math.abs(f - loValue);
    double dHi = Math.abs(hiValue - f);
    if (dLo < dHi) {
      return lo;
    }
    if (dHi < dLo) {
      return hi;
    }
    return (lo & 1) == 0 ? lo : hi;
  }

  @Test
  void floatToBfloat16RoundsToNearestEven() {
    SplittableRandom random = new SplittableRandom(20240611L);
    int checked = 0;
    for (int i = 0; i < 2_000_000; i++) {
      float f = Float.intBitsToFloat(random.nextInt());
      if (Float.isNaN(f)) {
        continue;
      }
      int want = bf16Oracle(f);
      int got = HalfFloats.floatToBfloat16(f);
      if (want != got) {
        fail("value " + f + " bits " + Integer.toHexString(Float.floatToRawIntBits(f))
            + ": expected " + Integer.toHexString(want) + ", got " + Integer.toHexString(got));
      }
      checked++;
    }
    assertTrue(checked > 1_990_000);
  }

  @Test
  void floatToBfloat16EdgeCases() {
    assertEquals(0x3F80, HalfFloats.floatToBfloat16(1.0f));
    assertEquals(0xC000, HalfFloats.floatToBfloat16(-2.0f) & 0xFFFF);
    // exact ties: 1 + 2^-8 lies halfway between 0x3F80 and 0x3F81 -> even 0x3F80
    assertEquals(0x3F80, HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x3F80_8000)));
    // 0x3F81_8000 lies halfway between 0x3F81 and 0x3F82 -> even 0x3F82
    assertEquals(0x3F82, HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x3F81_8000)));
    // just above a tie rounds up
    assertEquals(0x3F81, HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x3F80_8001)));
    // overflow to infinity, largest finite stays finite when below the boundary
    assertEquals(0x7F80, HalfFloats.floatToBfloat16(Float.MAX_VALUE));
    assertEquals(0x7F7F, HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x7F7F_7FFF)));
    assertEquals(0x7F80, HalfFloats.floatToBfloat16(Float.POSITIVE_INFINITY));
    assertEquals(0xFF80, HalfFloats.floatToBfloat16(Float.NEGATIVE_INFINITY) & 0xFFFF);
    // a NaN whose payload is only in the low bits must not become infinity
    int nan = HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x7F80_0001));
    assertTrue(Float.isNaN(HalfFloats.bfloat16ToFloat(nan)));
    int negNan = HalfFloats.floatToBfloat16(Float.intBitsToFloat(0xFF80_0001));
    assertTrue(Float.isNaN(HalfFloats.bfloat16ToFloat(negNan)));
    assertEquals(0x8000, negNan & 0x8000);
    // subnormals round like everything else
    assertEquals(0x0001, HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x0000_8001)));
    assertEquals(0x0000, HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x0000_8000)));
    assertEquals(0x8000, HalfFloats.floatToBfloat16(-0.0f) & 0xFFFF);
  }
}
