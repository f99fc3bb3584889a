package org.evomoe.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.evomoe.examples.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real kill: {@code evomoe train} in its own JVM is killed with SIGKILL once it has written a
 * training checkpoint, then resumed with {@code --resume}; the results equal an uninterrupted
 * run's, number for number.
 */
class KillResumeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * How long the child run may take to reach its first arm checkpoint: about 10 s on 2 idle cores,
   * over 120 s at load average 26; only a run that never gets there should fail.
   */
  private static final long CHECKPOINT_WAIT_S = 600;

  @Test
  void aTrainRunKilledWithSigkillResumesToTheResultsOfAnUninterruptedRun(@TempDir Path dir) throws Exception {
    Path cfg = TinyTrain.writeConfig(dir);
    Path reference = dir.resolve("reference");
    assertEquals(0, Main.commandLine().execute("train", "--config", cfg.toString(), "--out",
        reference.toString(), "--threads", "1", "--checkpoint-every", "3"));

    Path killed = dir.resolve("killed");
    ProcessBuilder pb = ChildJvm.of(Main.class.getName(), "train", "--config", cfg.toString(),
        "--out", killed.toString(), "--threads", "1", "--checkpoint-every", "3");
    pb.redirectErrorStream(true).redirectOutput(dir.resolve("killed.log").toFile());
    Process p = pb.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CHECKPOINT_WAIT_S);
      while (!hasCheckpointAfterStageI(killed) && p.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertTrue(p.isAlive(), "the run ended before it could be killed:\n"
          + Files.readString(dir.resolve("killed.log")));
      assertTrue(hasCheckpointAfterStageI(killed), "no checkpoint within " + CHECKPOINT_WAIT_S + " s");
    } finally {
      p.destroyForcibly(); // SIGKILL on Linux
      p.waitFor(30, TimeUnit.SECONDS);
    }
    assertEquals(137, p.exitValue(), "killed by SIGKILL");
    assertFalse(Files.exists(killed.resolve("results.json")), "killed before the end");

    assertEquals(0, Main.commandLine().execute("train", "--config", cfg.toString(), "--out",
        killed.toString(), "--threads", "1", "--checkpoint-every", "3", "--resume"));
    assertEquals(numbers(reference), numbers(killed));
  }

  /** Whether an arm cell has a training checkpoint (Stage I finished, an arm mid-way). */
  private static boolean hasCheckpointAfterStageI(Path out) {
    Path seed = out.resolve("cells").resolve("seed-1");
    return Files.exists(seed.resolve("moe-llava").resolve("checkpoints").resolve("latest"))
        || Files.exists(seed.resolve("evomoe").resolve("checkpoints").resolve("latest"));
  }

  /** Every per-seed number of results.json, timings removed. */
  private static JsonNode numbers(Path out) throws Exception {
    JsonNode n = JSON.readTree(out.resolve("results.json").toFile()).get("perSeed");
    strip(n);
    return n;
  }

  private static void strip(JsonNode n) {
    if (n instanceof ObjectNode o) {
      o.remove("seconds");
    }
    List<JsonNode> children = new ArrayList<>();
    n.forEach(children::add);
    children.forEach(KillResumeTest::strip);
  }
}
