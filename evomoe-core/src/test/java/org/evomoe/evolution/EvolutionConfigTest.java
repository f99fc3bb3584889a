package org.evomoe.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class EvolutionConfigTest {

  @Test
  void paperDefaultsForFourExperts() {
    EvolutionConfig c = EvolutionConfig.paperDefaults(4, 1);
    assertEquals(EvolutionRule.PARTIAL_UPDATE, c.rule());
    assertEquals(4, c.numExperts());
    assertEquals(
        List.of(new BetaRange(2, 0.90, 0.99), new BetaRange(3, 0.80, 0.89), new BetaRange(4, 0.70, 0.79)),
        c.ranges());
  }

  @Test
  void defaultsExtendAsBandsOneTenthApart() {
    assertEquals(List.of(new BetaRange(2, 0.90, 0.99)), EvolutionConfig.defaultRanges(2));
    List<BetaRange> ten = EvolutionConfig.defaultRanges(10);
    assertEquals(9, ten.size());
    assertEquals(new BetaRange(10, 0.10, 0.19), ten.get(8));
    assertEquals(new BetaRange(6, 0.50, 0.59), ten.get(4));
    var e = assertThrows(IllegalArgumentException.class, () -> EvolutionConfig.defaultRanges(11));
    assertTrue(e.getMessage().contains("11") && e.getMessage().contains("explicit"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> EvolutionConfig.paperDefaults(1, 0));
  }

  @Test
  void betaRangeValidationNamesTheExpertAndValues() {
    var inverted = assertThrows(IllegalArgumentException.class, () -> new BetaRange(3, 0.9, 0.8));
    assertTrue(inverted.getMessage().contains("expert 3")
        && inverted.getMessage().contains("lo=0.9") && inverted.getMessage().contains("hi=0.8"),
        inverted.getMessage());
    var negative = assertThrows(IllegalArgumentException.class, () -> new BetaRange(2, -0.1, 0.5));
    assertTrue(negative.getMessage().contains("expert 2") && negative.getMessage().contains("-0.1"));
    var above = assertThrows(IllegalArgumentException.class, () -> new BetaRange(4, 0.5, 1.01));
    assertTrue(above.getMessage().contains("expert 4") && above.getMessage().contains("1.01"));
    assertThrows(IllegalArgumentException.class, () -> new BetaRange(2, Double.NaN, 0.5));
    var seed = assertThrows(IllegalArgumentException.class, () -> new BetaRange(1, 0.5, 0.6));
    assertTrue(seed.getMessage().contains("expert 1"), seed.getMessage());
    new BetaRange(2, 0.0, 0.0);
    new BetaRange(2, 1.0, 1.0);
  }

  @Test
  void rangesMustListExpertsTwoToNInOrder() {
    var e = assertThrows(IllegalArgumentException.class, () -> new EvolutionConfig(
        EvolutionRule.EMA, List.of(new BetaRange(2, 0.9, 0.9), new BetaRange(4, 0.7, 0.7)), 0));
    assertTrue(e.getMessage().contains("expert 4") && e.getMessage().contains("expected expert 3"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new EvolutionConfig(EvolutionRule.EMA, List.of(), 0));
    assertThrows(NullPointerException.class, () -> new EvolutionConfig(null, EvolutionConfig.defaultRanges(2), 0));
    EvolutionConfig c = EvolutionConfig.paperDefaults(3, 5).withRule(EvolutionRule.LITERAL);
    assertEquals(EvolutionRule.LITERAL, c.rule());
    assertEquals(5, c.seed());
  }

  @Test
  void betaIsMappedLinearlyIntoTheRange() {
    BetaRange r = new BetaRange(2, 0.8, 0.9);
    assertEquals(0.8, r.at(0.0), 0.0);
    assertEquals(0.85, r.at(0.5), 1e-15);
    assertTrue(r.at(Math.nextDown(1.0)) <= 0.9);
    assertEquals(0.7, new BetaRange(3, 0.7, 0.7).at(0.123), 0.0);
  }
}
