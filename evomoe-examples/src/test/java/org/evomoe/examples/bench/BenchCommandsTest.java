package org.evomoe.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.evomoe.examples.checkpoint.ModelSpecJson;
import org.evomoe.examples.cli.CliRunner;
import org.evomoe.examples.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench train} and {@code bench generate} run with tiny settings and print their fields. */
class BenchCommandsTest {
  @TempDir Path dir;

  private static String run(int expectedExit, String... args) {
    return CliRunner.run(expectedExit, args).stdout();
  }

  @Test
  void trainPrintsOneTypedLineAndWritesTheConfigItBenchmarked() throws Exception {
    Path cfg = dir.resolve("config.json");
    String out = run(0, "bench", "train", "--json", "--batch", "2", "--seq", "20", "--threads",
        "1", "--warmup", "1", "--steps", "3", "--count-ops", "--write-config", cfg.toString());
    String[] lines = out.strip().split("\n");
    assertEquals(1, lines.length, out);
    TrainBenchResult r = new ObjectMapper().readValue(lines[0], TrainBenchResult.class);
    assertEquals(1, r.threads());
    assertEquals(2, r.batch());
    assertEquals(20, r.seq());
    assertEquals(3, r.steps());
    assertTrue(r.minStepMs() > 0 && r.minStepMs() <= r.medianStepMs(), out);
    assertEquals(2 * 20 / r.medianStepMs() * 1000, r.tokensPerSecond(), 0.01 * r.tokensPerSecond());
    assertTrue(r.ndOpsPerStep() > 0, out);
    assertProductsCounted(r.productCallsPerStep(), r.productCpuMsPerStep(), r.stepCpuMs(), out);
    // The demo model trains decoder and projector; the written config rebuilds the same model.
    var spec = ModelSpecJson.read(cfg);
    assertEquals(64, spec.decoder().dModel());
    String again = run(0, "bench", "train", "--json", "--config", cfg.toString(), "--batch", "2",
        "--seq", "20", "--threads", "1", "--warmup", "0", "--steps", "1");
    TrainBenchResult r2 = new ObjectMapper().readValue(again.strip(), TrainBenchResult.class);
    assertEquals(r.trainableParams(), r2.trainableParams());
    assertEquals(-1, r2.ndOpsPerStep());
    assertEquals(-1, r2.productCallsPerStep());
    assertEquals(-1, r2.productCpuMsPerStep());
    assertEquals(-1, r2.stepCpuMs());
  }

  /** Products were counted: a whole number of calls per step, their CPU time within the step's. */
  private static void assertProductsCounted(double calls, double productCpuMs, double stepCpuMs,
      String out) {
    assertTrue(calls >= 1 && calls * 2 == Math.rint(calls * 2), out); // a median of whole counts
    assertTrue(productCpuMs >= 0 && productCpuMs <= stepCpuMs && stepCpuMs > 0, out);
  }

  @Test
  void rssEveryPrintsTypedSamplesAtTheRequestedSteps() throws Exception {
    ObjectMapper om = new ObjectMapper();
    String out = run(0, "bench", "train", "--json", "--batch", "2", "--seq", "20", "--threads",
        "1", "--warmup", "1", "--steps", "4", "--rss-every", "2");
    String[] lines = out.strip().split("\n");
    assertEquals(4, lines.length, out); // after steps 1, 2 and 4 (warm-up counted), then the result
    long[] steps = {1, 2, 4};
    for (int i = 0; i < 3; i++) {
      RssSample s = om.readValue(lines[i], RssSample.class);
      assertEquals("train-rss", s.bench());
      assertEquals(steps[i], s.step());
      assertTrue(s.rssMiB() > 0 && s.peakRssMiB() >= s.rssMiB() && s.heapCommittedMiB() > 0, out);
    }
    assertEquals(4, om.readValue(lines[3], TrainBenchResult.class).steps());
    String gen = run(0, "bench", "generate", "--threads", "1", "--batch", "1", "--prompt", "4",
        "--new-tokens", "5", "--d-model", "32", "--layers", "2", "--vocab", "50", "--rss-every", "2");
    String[] g = gen.strip().split("\n");
    assertEquals(3, g.length, gen); // tokens 1, 2 and 4 of a 5-token generation
    assertEquals(4, om.readValue(g[2], RssSample.class).step());
    assertEquals("generate-rss", om.readValue(g[0], RssSample.class).bench());
  }

  @Test
  void moeInterleavedAddsTheProcessCpuTimes() throws Exception {
    String out = run(0, "bench", "moe", "--json", "--threads", "2", "--tokens", "96", "--top-k",
        "1", "--shapes", "16x24", "--reps", "3", "--warmup", "1", "--peak-size", "32",
        "--interleaved");
    var r = new ObjectMapper().readTree(out.strip());
    assertTrue(r.get("moeMs").asDouble() > 0 && r.get("denseMs").asDouble() > 0, out);
    assertRatioOfRounded(r.get("moeMs").asDouble(), r.get("denseMs").asDouble(),
        r.get("ratio").asDouble(), out);
    if (Files.isDirectory(Path.of("/proc/self/task"))) {
      // Process CPU time advances in clock ticks (10 ms), so a run this small may read 0: the
      // fields must be there and non-negative, and a ratio is given only over a non-zero base.
      double moeCpu = r.get("moeCpuMs").asDouble(), denseCpu = r.get("denseCpuMs").asDouble();
      assertTrue(moeCpu >= 0 && denseCpu >= 0, out);
      if (denseCpu > 0) {
        assertRatioOfRounded(moeCpu, denseCpu, r.get("cpuRatio").asDouble(), out);
      } else {
        assertTrue(r.get("cpuRatio") == null, out);
      }
    }
    String plain = run(0, "bench", "moe", "--json", "--threads", "1", "--tokens", "96", "--top-k",
        "1", "--shapes", "16x24", "--reps", "1", "--warmup", "0", "--peak-size", "32");
    assertTrue(new ObjectMapper().readTree(plain.strip()).get("moeCpuMs") == null, plain);
  }

  /**
   * The printed ratio is of the unrounded times, the printed times are rounded to 0.001 ms: a
   * layer this small runs in tenths of a millisecond, where that rounding alone moves a ratio by
   * up to about 0.5%. Allows exactly the rounding of the three printed values (each off by at
   * most 0.0005), so a ratio computed from anything else still fails.
   */
  private static void assertRatioOfRounded(double a, double b, double printed, String out) {
    double h = 0.0005;
    double bound = (a + h) / (b - h) - a / b + h + 1e-9;
    assertEquals(a / b, printed, bound, out);
  }

  @Test
  void trainRefusesASequenceThatHoldsOnlyTheImage() {
    assertNotEquals(0, Main.commandLine().execute("bench", "train", "--seq", "16", "--steps", "1"));
  }

  @Test
  void generateReportsTheMedianOfItsRepetitions() throws Exception {
    String out = run(0, "bench", "generate", "--json", "--threads", "1", "--batch", "1",
        "--prompt", "4", "--new-tokens", "3", "--d-model", "32", "--layers", "2", "--vocab", "50",
        "--reps", "3", "--warmup", "1");
    GenerateBenchResult r = new ObjectMapper().readValue(out.strip(), GenerateBenchResult.class);
    assertEquals(3, r.reps());
    assertEquals(1, r.warmup());
    assertTrue(r.cachedTokensPerSecond() > 0, out);
    assertTrue(r.sameTokens(), out);
    assertEquals(-1, r.productCallsPerStep());
    String counted = run(0, "bench", "generate", "--json", "--threads", "1", "--batch", "2",
        "--prompt", "4", "--new-tokens", "4", "--d-model", "32", "--layers", "2", "--vocab", "50",
        "--reps", "1", "--warmup", "0", "--count-ops");
    GenerateBenchResult c = new ObjectMapper().readValue(counted.strip(), GenerateBenchResult.class);
    assertProductsCounted(c.productCallsPerStep(), c.productCpuMsPerStep(), c.stepCpuMs(), counted);
    assertTrue(c.sameTokens(), counted);
    assertNotEquals(0, Main.commandLine().execute("bench", "generate", "--new-tokens", "1",
        "--count-ops"));
  }
}
