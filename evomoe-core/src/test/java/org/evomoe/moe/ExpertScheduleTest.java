package org.evomoe.moe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ExpertScheduleTest {
  @Test
  void largestFirstSkipsEmptyExpertsAndBreaksTiesByIndex() {
    assertArrayEquals(new int[] {1, 0, 2, 3}, ExpertSchedule.largestFirst(new int[] {254, 282, 254, 234}));
    assertArrayEquals(new int[] {2, 0}, ExpertSchedule.largestFirst(new int[] {5, 0, 9, 0}));
    assertArrayEquals(new int[0], ExpertSchedule.largestFirst(new int[] {0, 0}));
  }

  @Test
  void balancedWhenTheBusiestThreadHoldsCloseToAnEvenShare() {
    // 282 + 234 = 516 and 254 + 254 = 508 rows on two threads: 1.01 times an even share.
    assertTrue(ExpertSchedule.balanced(new int[] {254, 282, 254, 234}, 2));
    assertTrue(ExpertSchedule.balanced(new int[] {600, 500}, 2)); // 600 / 550 = 1.09
    assertFalse(ExpertSchedule.balanced(new int[] {700, 324}, 2)); // 700 / 512 = 1.37
    assertFalse(ExpertSchedule.balanced(new int[] {0, 1024, 0, 0}, 2), "one expert (forced)");
    assertFalse(ExpertSchedule.balanced(new int[] {254, 282, 254, 234}, 1), "one thread");
    // Three experts on four threads: the busiest holds 400 of 1000 rows, 1.6 times 250.
    assertFalse(ExpertSchedule.balanced(new int[] {400, 300, 300}, 4));
    assertTrue(ExpertSchedule.balanced(new int[] {300, 300, 200, 200}, 4) == (300 <= 1.25 * 250));
  }
}
