package org.evomoe.examples.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The statistics against values computed by hand (t quantiles from printed tables). */
class StatisticsTest {
  @Test
  void tQuantilesMatchTheTables() {
    assertEquals(12.7062, Statistics.tQuantile(1), 1e-4);
    assertEquals(4.3027, Statistics.tQuantile(2), 1e-4);
    assertEquals(2.7764, Statistics.tQuantile(4), 1e-4);
    assertEquals(2.0423, Statistics.tQuantile(30), 1e-4);
    assertThrows(IllegalArgumentException.class, () -> Statistics.tQuantile(0));
  }

  @Test
  void summaryOfFourValues() {
    // mean 2.5; sd = sqrt((2.25 + 0.25 + 0.25 + 2.25) / 3) = sqrt(5/3) = 1.2909944;
    // half width = t(0.975, 3) * sd / sqrt(4) = 3.1824463 * 1.2909944 / 2 = 2.0542603.
    Summary s = Statistics.summarize(new double[] {1, 2, 3, 4});
    assertEquals(4, s.n());
    assertEquals(2.5, s.mean(), 1e-12);
    assertEquals(1.2909944, s.sd(), 1e-7);
    assertEquals(2.5 - 2.0542603, s.ciLow(), 1e-6);
    assertEquals(2.5 + 2.0542603, s.ciHigh(), 1e-6);
  }

  @Test
  void oneSeedHasAMeanButNoSpread() {
    Summary s = Statistics.summarize(new double[] {0.75});
    assertEquals(0.75, s.mean());
    assertTrue(Double.isNaN(s.sd()) && Double.isNaN(s.ciLow()) && Double.isNaN(s.ciHigh()));
  }

  @Test
  void pairedDifferenceUsesTheDifferencesNotTheTwoSpreads() {
    // differences 0.1, 0.0, 0.1: mean 1/15 = 0.0666667, sd = sqrt(1/300) = 0.0577350,
    // half width = t(0.975, 2) * sd / sqrt(3) = 4.3026527 * 0.0577350 / 1.7320508 = 0.1434218.
    PairedDifference d = Statistics.paired(new double[] {0.5, 0.7, 0.6}, new double[] {0.4, 0.7, 0.5});
    assertEquals(3, d.n());
    assertEquals(0.0666667, d.mean(), 1e-7);
    assertEquals(0.0577350, d.sd(), 1e-7);
    assertEquals(0.0666667 - 0.1434218, d.ciLow(), 1e-6);
    assertEquals(0.0666667 + 0.1434218, d.ciHigh(), 1e-6);
    assertEquals(2, d.wins());
    assertEquals(0, d.losses());
    assertEquals(1, d.ties());
    // A constant shift between noisy arms: the paired interval is a point, the unpaired ones wide.
    PairedDifference shift = Statistics.paired(new double[] {0.3, 0.9, 0.5}, new double[] {0.2, 0.8, 0.4});
    assertEquals(0.1, shift.mean(), 1e-12);
    assertEquals(0.0, shift.sd(), 1e-12);
    assertEquals(0.1, shift.ciLow(), 1e-12);
    assertEquals(3, shift.wins());
  }

  @Test
  void badInputIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> Statistics.summarize(new double[0]));
    assertThrows(IllegalArgumentException.class, () -> Statistics.summarize(new double[] {1, Double.NaN}));
    assertThrows(IllegalArgumentException.class,
        () -> Statistics.paired(new double[] {1, 2}, new double[] {1}));
  }
}
