package org.evomoe.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * The path users run: {@code evomoe train} in its own JVM with the environment of a shell (no
 * {@code OMP_NUM_THREADS}, which the test JVM pins to 2, so ND4J takes the core count)
 * and the default thread count gives the same numbers with {@code --jobs 1} and {@code --jobs 2}.
 * (With a default of cores / jobs the two differed by up to 2.5e-6 in their losses.)
 */
class JobsReproducibilityTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void jobsDoNotChangeAnyNumberOnTheCommandLinesDefaultThreads(@TempDir Path dir) throws Exception {
    Path cfg = TinyTrain.writeConfig(dir);
    JsonNode one = run(dir, cfg, "one", 1);
    JsonNode two = run(dir, cfg, "two", 2);
    assertEquals(one, two);
  }

  private static JsonNode run(Path dir, Path cfg, String name, int jobs) throws Exception {
    Path out = dir.resolve(name);
    ProcessBuilder pb = ChildJvm.of(Main.class.getName(), "train", "--config", cfg.toString(),
        "--out", out.toString(), "--jobs", String.valueOf(jobs));
    pb.environment().remove("OMP_NUM_THREADS");
    pb.redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
    Process p = pb.start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("train --jobs " + jobs + " did not finish in 300 s");
    }
    assertEquals(0, p.exitValue(), Files.readString(dir.resolve(name + ".log")));
    JsonNode n = JSON.readTree(out.resolve("results.json").toFile());
    List<JsonNode> numbers = new ArrayList<>();
    numbers.add(n.get("perSeed"));
    numbers.add(n.get("stages"));
    JsonNode all = JSON.valueToTree(numbers);
    strip(all);
    return all;
  }

  private static void strip(JsonNode n) {
    if (n instanceof ObjectNode o) {
      o.remove("seconds");
      o.remove("tokensPerSecond");
    }
    List<JsonNode> children = new ArrayList<>();
    n.forEach(children::add);
    children.forEach(JobsReproducibilityTest::strip);
  }
}
