package org.evomoe.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {
  private static final double PEAK = 2e-5;

  @Test
  void cosineWithWarmupHitsItsLandmarks() {
    CosineWarmupSchedule s = new CosineWarmupSchedule(PEAK, 10, 110, 0.1);
    assertEquals(0.0, s.learningRate(0), 0.0); // warm-up start
    assertEquals(PEAK * 0.1, s.learningRate(1), 1e-20);
    assertEquals(PEAK * 0.5, s.learningRate(5), 1e-20);
    assertEquals(PEAK, s.learningRate(10), 1e-20); // end of warm-up
    assertEquals(PEAK * (0.1 + 0.9 * 0.5), s.learningRate(60), 1e-18); // decay midpoint
    assertEquals(PEAK * 0.1, s.learningRate(110), 1e-20); // end
    assertEquals(PEAK * 0.1, s.learningRate(5000), 1e-20); // stays at the floor
    // A quarter into the decay: cos(pi/4).
    double quarter = PEAK * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI / 4)));
    assertEquals(quarter, s.learningRate(35), 1e-18);
  }

  @Test
  void cosineIsMonotoneInEachPhase() {
    CosineWarmupSchedule s = new CosineWarmupSchedule(1.0, 7, 50, 0.0);
    for (long t = 1; t <= 7; t++) {
      assertTrue(s.learningRate(t) > s.learningRate(t - 1), "warm-up rises at " + t);
    }
    for (long t = 8; t <= 50; t++) {
      assertTrue(s.learningRate(t) < s.learningRate(t - 1), "decay falls at " + t);
    }
    assertEquals(0.0, s.learningRate(50), 1e-15);
  }

  @Test
  void noWarmupStartsAtThePeakAndFullWarmupEndsAtTheFloor() {
    assertEquals(PEAK, new CosineWarmupSchedule(PEAK, 0, 100, 0.0).learningRate(0), 0.0);
    CosineWarmupSchedule allWarmup = new CosineWarmupSchedule(PEAK, 4, 4, 0.25);
    assertEquals(PEAK * 0.75, allWarmup.learningRate(3), 1e-20);
    assertEquals(PEAK * 0.25, allWarmup.learningRate(4), 1e-20);
  }

  @Test
  void warmupRatioRoundsUpLikeTheReferenceTrainer() {
    assertEquals(30, CosineWarmupSchedule.withWarmupRatio(PEAK, 1000, 0.03, 0).warmupSteps());
    assertEquals(4, CosineWarmupSchedule.withWarmupRatio(PEAK, 100, 0.031, 0).warmupSteps());
    assertEquals(0, CosineWarmupSchedule.withWarmupRatio(PEAK, 100, 0.0, 0).warmupSteps());
    assertThrows(IllegalArgumentException.class, () -> CosineWarmupSchedule.withWarmupRatio(PEAK, 100, 1.5, 0));
  }

  @Test
  void constantIsConstant() {
    ConstantLearningRate c = new ConstantLearningRate(3e-4);
    assertEquals(3e-4, c.learningRate(0), 0.0);
    assertEquals(3e-4, c.learningRate(123456), 0.0);
    assertThrows(IllegalArgumentException.class, () -> c.learningRate(-1));
    assertThrows(IllegalArgumentException.class, () -> new ConstantLearningRate(-1));
    assertThrows(IllegalArgumentException.class, () -> new ConstantLearningRate(Double.POSITIVE_INFINITY));
  }

  @Test
  void cosineValidationNamesTheBadValue() {
    var w = assertThrows(IllegalArgumentException.class, () -> new CosineWarmupSchedule(PEAK, 11, 10, 0));
    assertTrue(w.getMessage().contains("warmupSteps") && w.getMessage().contains("11"), w.getMessage());
    var t = assertThrows(IllegalArgumentException.class, () -> new CosineWarmupSchedule(PEAK, 0, 0, 0));
    assertTrue(t.getMessage().contains("totalSteps"), t.getMessage());
    var r = assertThrows(IllegalArgumentException.class, () -> new CosineWarmupSchedule(PEAK, 0, 10, 1.1));
    assertTrue(r.getMessage().contains("minLearningRateRatio"), r.getMessage());
    var p = assertThrows(IllegalArgumentException.class, () -> new CosineWarmupSchedule(-1, 0, 10, 0));
    assertTrue(p.getMessage().contains("peakLearningRate"), p.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new CosineWarmupSchedule(PEAK, -1, 10, 0));
    assertThrows(IllegalArgumentException.class, () -> new CosineWarmupSchedule(PEAK, 1, 10, 0).learningRate(-3));
  }
}
