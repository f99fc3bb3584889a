package org.evomoe.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CliTest {
  /** Runs the command line, returning stdout followed by stderr; asserts the exit code. */
  static String run(int expectedExit, String... args) {
    CliRunner.Output o = CliRunner.run(expectedExit, args);
    return o.stdout() + o.stderr();
  }

  @Test
  void everyCommandHasHelp() {
    assertTrue(run(0, "--help").contains("bench"));
    assertTrue(run(0, "bench", "--help").contains("moe"));
    assertTrue(run(0, "bench", "moe", "--help").contains("--threads"));
    assertTrue(run(0, "bench", "memory", "--help").contains("--steps"));
    assertTrue(run(0, "bench", "generate", "--help").contains("--new-tokens"));
    assertTrue(run(0, "demo", "--help").contains("--quick"));
    assertTrue(run(0, "train", "--help").contains("--config"));
    assertTrue(run(0, "eval", "--help").contains("--checkpoint"));
    assertTrue(run(0, "generate", "--help").contains("--image-index"));
    assertTrue(run(0, "score", "--help").contains("--json"));
    assertTrue(run(0, "report", "--help").contains("--results"));
  }

  @Test
  void badFlagsFail() {
    assertNotEquals(0, Main.commandLine().execute("bench", "moe", "--no-such-flag"));
    assertTrue(run(1, "bench", "moe", "--shapes", "512by1408", "--peak-size", "8").contains("512x1408"));
  }

  @Test
  void moeBenchPrintsOneJsonObjectPerCaseWithTheDocumentedFields() throws Exception {
    String out = run(0, "bench", "moe", "--json", "--tokens", "32,64", "--shapes", "16x24",
        "--top-k", "1,2", "--reps", "1", "--warmup", "0", "--peak-size", "64", "--threads", "1");
    List<JsonNode> rows = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (line.startsWith("{")) {
        rows.add(new ObjectMapper().readTree(line));
      }
    }
    assertEquals(4, rows.size(), out);
    for (JsonNode r : rows) {
      for (String f : new String[] {"tokens", "dModel", "dHidden", "experts", "topK", "moeMs",
          "denseMs", "ratio", "gflops", "gemmPeakGflops"}) {
        assertTrue(r.has(f), "missing " + f + " in " + r);
      }
      assertEquals(r.get("moeMs").asDouble() / r.get("denseMs").asDouble(),
          r.get("ratio").asDouble(), 0.01 * r.get("ratio").asDouble() + 1e-3);
      int perExpert = 0;
      for (JsonNode c : r.get("tokensPerExpert")) {
        perExpert += c.asInt();
      }
      assertEquals(r.get("tokens").asInt() * r.get("topK").asInt(), perExpert);
    }
  }
}
