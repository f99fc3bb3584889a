package org.evomoe.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evomoe study} flags (the runner itself is tested by StudyRunnerTest and, through {@code
 * train}, by PipelineEndToEndTest and KillResumeTest).
 */
class StudyCommandTest {
  @Test
  void helpNamesTheFlags() {
    String help = CliTest.run(0, "study", "--help");
    for (String flag : new String[] {"--quick", "--seeds", "--jobs", "--resume", "--out", "--arms",
        "--threads", "--checkpoint-every"}) {
      assertTrue(help.contains(flag), flag);
    }
    assertTrue(CliTest.run(0, "--help").contains("study"));
  }

  @Test
  void badFlagsAreRefusedBeforeAnyWork(@TempDir Path dir) {
    assertTrue(CliTest.run(1, "study", "--jobs", "0", "--out", dir.resolve("x").toString())
        .contains("jobs"));
    assertTrue(CliTest.run(1, "study", "--arms", "nope", "--out", dir.resolve("y").toString())
        .contains("unknown arm 'nope'"));
    assertTrue(CliTest.run(1, "study", "--seeds", "0", "--out", dir.resolve("z").toString())
        .contains("seeds"));
    assertTrue(CliTest.run(1, "study", "--checkpoint-every", "0", "--out", dir.resolve("w").toString())
        .contains("checkpoint"));
    assertTrue(!Files.exists(dir.resolve("x")) && !Files.exists(dir.resolve("y")));
  }
}
