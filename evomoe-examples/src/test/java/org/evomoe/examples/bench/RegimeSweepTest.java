package org.evomoe.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RegimeSweepTest {
  @Test
  void pairedChangeIsTheChangeOfTheTokenMeanWithItsStandardError() {
    // Per sample: summed loss [0] over tokens [1]; 4 tokens in all.
    double[][] before = {{1, 2, 3}, {1, 1, 2}};
    double[][] after = {{0.5, 2, 4}, {1, 1, 2}};
    double[] c = RegimeSweep.pairedChange(before, after);
    // token means: 6 / 4 = 1.5 before, 6.5 / 4 = 1.625 after
    assertEquals(0.125, c[0], 1e-12);
    // per-sample shares of the change: -0.375, 0, 0.75; sample s.d. / sqrt(3)
    double var = (Math.pow(-0.5, 2) + Math.pow(-0.125, 2) + Math.pow(0.625, 2)) / 2;
    assertEquals(Math.sqrt(var / 3), c[1], 1e-12);
    // No change: zero with zero error.
    double[] none = RegimeSweep.pairedChange(before, before);
    assertEquals(0.0, none[0], 0.0);
    assertEquals(0.0, none[1], 0.0);
  }
}
