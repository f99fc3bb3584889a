package org.evomoe.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** --jobs: given, or two cells at once where there are two cores, or one with --spark. */
class RunFlagsTest {
  @Test
  void jobsDefaultToTwoCellsOnTwoCoresAndToOneOnSpark() {
    int cores = Runtime.getRuntime().availableProcessors();
    RunFlags none = parse();
    assertNull(none.givenJobs(), "not given: --spark's check must not see a value");
    assertEquals(Math.min(2, cores), none.apply(false).jobs());
    assertEquals(1, none.apply(true).jobs(), "on Spark the executors decide");
    assertEquals(1, parse("--jobs", "1").apply(false).jobs());
    assertEquals(3, parse("--jobs", "3").apply(false).jobs());
    assertEquals(3, parse("--jobs", "3").givenJobs());
  }

  private static RunFlags parse(String... args) {
    Holder h = new Holder();
    new CommandLine(h).parseArgs(args);
    return h.run;
  }

  @CommandLine.Command(name = "holder")
  static final class Holder {
    @CommandLine.Mixin RunFlags run;
  }
}
