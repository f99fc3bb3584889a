package org.evomoe.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.evomoe.checkpoint.LoadOptions;
import org.evomoe.checkpoint.Safetensors;
import org.evomoe.checkpoint.SafetensorsFile;
import org.evomoe.checkpoint.Tensor;
import org.evomoe.examples.pipeline.DemoSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --spark local[2,4]} on the embedded data against the same run in one process (same
 * global batch): every stage's losses and the trained weights agree to float32 rounding, the
 * evaluation scores are equal. (The demo model is float32: a shard's gradient and the whole batch's
 * add the same terms in another order, which moves the last bits, and AdamW's normalised steps carry
 * such differences from step to step.)
 */
class SparkTrainTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Spark tests share one context per JVM (org.evomoe.examples.spark.SparkTestContext). */
  private static final String MASTER = "local[2,4]";

  @Test
  void trainOnSparkEqualsTheOneProcessRunWithTheSameGlobalBatch(@TempDir Path dir)
      throws Exception {
    Path cfg = config(dir, List.of("evomoe"), tiny(8).withSteps(2, 4, 3, 3));
    Path one = dir.resolve("one");
    Path spark = dir.resolve("spark");
    CliRun a = CliRun.of("train", "--config", cfg.toString(), "--out", one.toString());
    assertEquals(0, a.code(), a.err());
    CliRun b = CliRun.of("train", "--config", cfg.toString(), "--out", spark.toString(),
        "--spark", MASTER, "--shards", "3"); // 8 samples: shards of 2, 3 and 3
    assertEquals(0, b.code(), b.err());
    JsonNode ra = JSON.readTree(one.resolve("results.json").toFile());
    JsonNode rb = JSON.readTree(spark.resolve("results.json").toFile());
    double maxLoss = 0;
    int stages = 0;
    for (int i = 0; i < ra.get("stages").size(); i++) {
      JsonNode sa = ra.get("stages").get(i);
      JsonNode sb = rb.get("stages").get(i);
      assertEquals(sa.get("stage"), sb.get("stage"));
      JsonNode la = sa.get("losses");
      JsonNode lb = sb.get("losses");
      assertEquals(la.size(), lb.size());
      for (int j = 0; j < la.size(); j++) {
        maxLoss = Math.max(maxLoss, Math.abs(la.get(j).asDouble() - lb.get(j).asDouble())
            / Math.abs(la.get(j).asDouble()));
      }
      stages++;
    }
    assertTrue(stages >= 4, "alignment, Stage I, Stage II and III recorded: " + stages);
    assertTrue(maxLoss < 1e-4, "relative loss difference " + maxLoss);
    assertEquals(ra.get("perSeed").get(0).get("arms").get(0).get("scores"),
        rb.get("perSeed").get(0).get("arms").get(0).get("scores"));
    double maxWeight = maxDiff(one.resolve("models/evomoe/model.safetensors"),
        spark.resolve("models/evomoe/model.safetensors"));
    assertTrue(maxWeight < 1e-3, "weights differ by " + maxWeight);
    System.out.printf("train --spark vs one process: relative loss difference %.3g, weights %.3g%n",
        maxLoss, maxWeight);
  }

  @Test
  void cellsAsSparkTasksGiveTheNumbersAndModelsOfTheLocalRun(@TempDir Path dir) throws Exception {
    Path cfg = config(dir, List.of("evomoe"), tiny(8).withSeeds(2).withSteps(1, 2, 1, 1));
    Path local = dir.resolve("local");
    CliRun a = CliRun.of("train", "--config", cfg.toString(), "--out", local.toString());
    assertEquals(0, a.code(), a.err());
    Path cells = dir.resolve("cells");
    CliRun b = CliRun.of("train", "--config", cfg.toString(), "--out", cells.toString(),
        "--spark", MASTER, "--spark-split", "cells");
    assertEquals(0, b.code(), b.err());
    assertEquals(2, JSON.readTree(cells.resolve("results.json").toFile()).get("perSeed").size());
    assertEquals(numbers(local), numbers(cells));
    assertEquals(Files.readString(local.resolve("models/evomoe/config.json")),
        Files.readString(cells.resolve("models/evomoe/config.json")));
    assertEquals(0, maxDiff(local.resolve("models/evomoe/model.safetensors"),
        cells.resolve("models/evomoe/model.safetensors")));
  }

  @Test
  void studyRunsItsCellsStepsOnSparkWithShards(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("study");
    // --shards alone selects --spark-split steps, as before --spark-split existed.
    CliRun r = CliRun.of("study", "--quick", "--seeds", "1", "--arms", "evomoe", "--steps",
        "1,2,1,1", "--out", out.toString(), "--spark", MASTER, "--shards", "2");
    assertEquals(0, r.code(), r.err());
    JsonNode res = JSON.readTree(out.resolve("results.json").toFile());
    assertEquals("evomoe", res.get("arms").get(0).get("arm").asText());
    assertEquals(4, res.get("stages").size(), res.get("stages").toString()); // align, I, II, III
  }

  @Test
  void sparkSplitJobsAndShardsThatDoNotFitAreRefused(@TempDir Path dir) {
    String out = dir.resolve("x").toString();
    CliRun.of("study", "--quick", "--out", out, "--spark", MASTER, "--jobs", "2")
        .refused(2, "--jobs 2 cannot be combined with --spark");
    CliRun.of("study", "--quick", "--out", out, "--spark", MASTER, "--spark-split", "rows")
        .refused(2, "--spark-split must be 'cells' or 'steps', got 'rows'");
    CliRun.of("study", "--quick", "--out", out, "--spark", MASTER, "--spark-split", "cells",
        "--shards", "2").refused(2, "--shards splits steps: it needs --spark-split steps");
    CliRun.of("study", "--quick", "--out", out, "--spark-split", "cells")
        .refused(2, "--spark-split needs --spark");
    assertTrue(!Files.exists(dir.resolve("x")), "nothing was written");
  }

  private static String[] concat(String[] a, String... b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  /** results.json's per-seed numbers and curves, timings removed. */
  private static JsonNode numbers(Path out) throws Exception {
    JsonNode n = JSON.readTree(out.resolve("results.json").toFile());
    com.fasterxml.jackson.databind.node.ArrayNode both = JSON.createArrayNode();
    both.add(n.get("perSeed"));
    both.add(n.get("stages"));
    strip(both);
    return both;
  }

  private static void strip(JsonNode n) {
    if (n instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
      o.remove("seconds");
      o.remove("tokensPerSecond");
    }
    n.forEach(SparkTrainTest::strip);
  }

  @Test
  void withoutSparkOnTheClassPathSparkIsRefusedWithOneLineSayingHowToGetIt(@TempDir Path dir)
      throws Exception {
    Path cfg = config(dir, List.of(), null);
    String cp = java.util.Arrays.stream(System.getProperty("java.class.path")
            .split(java.io.File.pathSeparator))
        .filter(e -> !e.contains("/org/apache/spark/") && !e.contains("/org/scala-lang/"))
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    String jvm = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb = new ProcessBuilder(jvm, "-cp", cp, Main.class.getName(), "train",
        "--config", cfg.toString(), "--out", dir.resolve("out").toString(), "--spark", "local[2]");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(1, p.exitValue(), out);
    String[] lines = out.strip().split("\n");
    assertEquals(1, lines.length, out);
    assertTrue(lines[0].startsWith("error: --spark needs Apache Spark 3.5 (Scala 2.13) on the class"
        + " path") && lines[0].contains("-Pspark"), out);
    assertTrue(!Files.exists(dir.resolve("out")), "nothing was written");
  }

  @Test
  void shardsNeedSparkAndASampleEach(@TempDir Path dir) throws Exception {
    Path cfg = config(dir, List.of(), tiny(4));
    CliRun.of("train", "--config", cfg.toString(), "--out", dir.resolve("a").toString(),
        "--shards", "2").refused(2, "--shards needs --spark");
    CliRun.of("train", "--config", cfg.toString(), "--out", dir.resolve("b").toString(),
        "--spark", MASTER, "--shards", "5").refused(2, "--shards 5 exceeds the batch of 4");
  }

  /**
   * The quick demo settings with a tiny model and batch: {@code batchSize} samples per step, d 32,
   * SwiGLU hidden 64, vision width 16, 24 evaluation and 12 diagnostic samples, no validation.
   */
  private static DemoSettings tiny(int batchSize) {
    DemoSettings q = DemoSettings.defaults(true);
    return new DemoSettings(q.quick(), q.seed(), q.out(), q.dataDir(), batchSize, q.alignSteps(),
        q.stage1Steps(), q.stage2Steps(), q.stage3Steps(), q.lr(), q.lrAfter(), 32, q.layers(),
        q.heads(), q.kvHeads(), 64, q.experts(), 16, q.patch(), 24, 12, 0, q.validationEvery(),
        q.seeds(), q.stage1Tasks(), q.armTasks());
  }

  /**
   * Writes the {@code train --config} file ({@link TrainConfig}) of the quick defaults with {@code
   * settings} over them (null: none) and the arms {@code arms}.
   */
  private static Path config(Path dir, List<String> arms, DemoSettings settings)
      throws Exception {
    Path cfg = dir.resolve("config.json");
    // Null fields left out: the config reader refuses them (their defaults apply).
    ObjectMapper nonNull = JSON.copy().setSerializationInclusion(JsonInclude.Include.NON_NULL);
    nonNull.writeValue(cfg.toFile(),
        new TrainConfig(true, arms, settings == null ? null : nonNull.valueToTree(settings)));
    return cfg;
  }

  static double maxDiff(Path a, Path b) throws Exception {
    SafetensorsFile fa = Safetensors.read(a, LoadOptions.defaults());
    SafetensorsFile fb = Safetensors.read(b, LoadOptions.defaults());
    double max = 0;
    for (Map.Entry<String, Tensor> e : fa.tensors().entrySet()) {
      double[] x = e.getValue().toINDArray().ravel().toDoubleVector();
      double[] y = fb.tensors().get(e.getKey()).toINDArray().ravel().toDoubleVector();
      for (int i = 0; i < x.length; i++) {
        max = Math.max(max, Math.abs(x[i] - y[i]));
      }
    }
    return max;
  }
}
