package org.evomoe.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.evomoe.golden.GoldenFixture;
import org.evomoe.tensor.Threads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A command run in-process (as tests and programs that embed the command line do) sets the
 * process-wide thread count for its run only: afterwards the caller's counts are in force again,
 * whether the command had {@code --threads} or used its default (one thread), and after a failure.
 */
class CommandThreadsTest {
  @AfterEach
  void restore() {
    GoldenFixture.restoreThreads();
  }

  @Test
  void aCommandPutsBackTheCallersThreadCounts() {
    String model = GoldenFixture.DIR.resolve("score-model").toString();
    Threads.restore(new Threads.State(1, 1, 1));
    Threads.State before = Threads.state();
    CliTest.run(0, "score", "--checkpoint", model, "--prompt", "is there a bag ?", "--threads", "2");
    assertEquals(before, Threads.state(), "after --threads 2");
    CliTest.run(1, "score", "--checkpoint", model, "--prompt", "x", "--threads", "2", "--image",
        GoldenFixture.DIR.resolve("no-such-canvas.png").toString());
    assertEquals(before, Threads.state(), "after a refused run");
    Threads.restore(new Threads.State(2, 2, 2));
    before = Threads.state();
    CliTest.run(0, "score", "--checkpoint", model, "--prompt", "is there a bag ?");
    assertEquals(before, Threads.state(), "after the default (one thread)");
  }

  @Test
  void checkpointCommandsDefaultToOneThread() throws Exception {
    Threads.restore(new Threads.State(2, 2, 2));
    CheckpointOptions o = new CheckpointOptions();
    o.checkpoint = GoldenFixture.DIR.resolve("score-model");
    o.load();
    assertEquals(new Threads.State(1, 1, 1), Threads.state(), "eval, generate and score without --threads");
    o.threads = 2;
    o.load();
    assertEquals(new Threads.State(2, 2, 2), Threads.state(), "--threads 2");
  }
}
