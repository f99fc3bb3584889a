package org.evomoe.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FastMathTest {
  @Test
  void expIsWithinThreeTenMillionthsOfTheExactValueOverItsRange() {
    SplittableRandom rng = new SplittableRandom(1);
    double worst = 0;
    for (int i = 0; i < 2_000_000; i++) {
      float x = (float) (rng.nextDouble() * 175 - 87);
      double exact = Math.exp(x);
      double rel = Math.abs(FastMath.exp(x) - exact) / exact;
      worst = Math.max(worst, rel);
    }
    assertTrue(worst < 3e-7, "worst relative error " + worst);
    assertEquals(1.0f, FastMath.exp(0f));
  }

  @Test
  void extremeInputsClampInsteadOfOverflowing() {
    assertTrue(Float.isFinite(FastMath.exp(1000f)));
    assertTrue(FastMath.exp(-1000f) > 0f);
    assertEquals(1.0f, FastMath.sigmoid(200f));
    assertEquals(0.0f, FastMath.sigmoid(-200f), 1e-37f);
    assertEquals(0.5f, FastMath.sigmoid(0f));
    assertTrue(Float.isNaN(FastMath.exp(Float.NaN)) || !Float.isFinite(FastMath.exp(Float.NaN))
        || FastMath.exp(Float.NaN) != FastMath.exp(Float.NaN), "NaN must not become a number");
  }
}
