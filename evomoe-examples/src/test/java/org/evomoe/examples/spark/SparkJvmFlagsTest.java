package org.evomoe.examples.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The tests' JVM (surefire's flags from the pom) opens every package Spark needs. */
class SparkJvmFlagsTest {
  @Test
  void theTestJvmOpensEveryPackageSparkNeeds() {
    assertEquals(List.of(), SparkJvmFlags.missing());
  }

  @Test
  void flagsNameEveryPackage() {
    for (String p : SparkJvmFlags.OPENS) {
      assertTrue(SparkJvmFlags.flags().contains("--add-opens=" + p + "=ALL-UNNAMED"), p);
    }
  }
}
