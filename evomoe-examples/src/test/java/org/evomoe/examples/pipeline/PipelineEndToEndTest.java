package org.evomoe.examples.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.evomoe.examples.cli.Main;
import org.evomoe.examples.cli.PromptScores;
import org.evomoe.examples.study.ArmRouting;
import org.evomoe.examples.study.ArmSummary;
import org.evomoe.examples.study.StudyResults;
import org.evomoe.examples.text.WordTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole pipeline through {@code evomoe train --config}, with a handful of steps per stage. */
class PipelineEndToEndTest {
  @Test
  void tinyRunProducesResultsForEveryArmWithDiagnosticsAndAReport(@TempDir Path dir) throws Exception {
    Path cfg = dir.resolve("config.json");
    String settings = "\"alignSteps\": 2, \"stage1Steps\": 12, \"stage2Steps\": 2,"
        + " \"stage3Steps\": 2, \"evalSamples\": 48, \"diagnosticSamples\": 24, \"dModel\": 32,"
        + " \"ffnHidden\": 64, \"dVision\": 16";
    Files.writeString(cfg, "{\"quick\": true, \"settings\": {" + settings + "}}");
    Path out = dir.resolve("out");
    int code = Main.commandLine().execute("train", "--config", cfg.toString(), "--out", out.toString(),
        "--threads", "1");
    assertEquals(0, code);
    JsonNode r = new ObjectMapper().readTree(out.resolve("results.json").toFile());
    List<String> arms = new ArrayList<>();
    r.get("arms").forEach(a -> arms.add(a.get("arm").asText()));
    assertEquals(List.of("dense", "moe-llava", "evomoe"), arms);
    List<String> stages = new ArrayList<>();
    r.get("stages").forEach(s -> stages.add(s.get("arm").asText() + "/" + s.get("stage").asText()));
    assertEquals(List.of("shared/alignment", "shared/stage1-warmup", "dense/dense-continued",
        "moe-llava/upcycled-moe", "evomoe/stage2-evolution", "evomoe/stage3-router"), stages);
    // Same step budget after Stage I for every arm.
    int dense = r.get("stages").get(2).get("steps").asInt();
    int llava = r.get("stages").get(3).get("steps").asInt();
    int evo = r.get("stages").get(4).get("steps").asInt() + r.get("stages").get(5).get("steps").asInt();
    assertEquals(dense, llava);
    assertEquals(dense, evo);
    for (JsonNode a : r.get("arms")) {
      int total = 0;
      for (JsonNode t : a.get("tasks")) {
        total += t.get("total").asInt();
      }
      assertEquals(48, total, "every evaluated sample is scored once");
      int heldOut = 0;
      for (JsonNode t : a.at("/heldOut/tasks")) {
        heldOut += t.get("total").asInt();
      }
      assertEquals(48, heldOut, "every evaluated sample is scored once more in its held-out wording");
      assertTrue(a.at("/heldOut/average").isNumber());
      assertTrue(a.get("pope").has("adversarial"));
      assertTrue(a.get("average").isNumber());
    }
    for (JsonNode s : r.get("stages")) {
      assertEquals(s.get("steps").asInt(), s.get("losses").size(), "one loss per step of " + s.get("stage"));
      for (JsonNode l : s.get("losses")) {
        assertTrue(l.isNumber() && Double.isFinite(l.asDouble()), "non-finite loss in " + s.get("stage"));
      }
      // Validation before the first and after the last step (every 50 steps in between).
      JsonNode v = s.get("validation");
      assertEquals(0, v.get("steps").get(0).asInt());
      assertEquals(s.get("steps").asInt(), v.get("steps").get(v.get("steps").size() - 1).asInt());
      assertEquals(v.get("steps").size(), v.get("losses").size());
      for (JsonNode l : v.get("losses")) {
        assertTrue(l.isNumber() && l.asDouble() > 0 && Double.isFinite(l.asDouble()));
      }
    }
    assertEquals(20_000 - 256, r.at("/data/train").asInt(), "validation samples are not trained on");
    // Learning: Stage I's loss falls well below its start (random weights on a vocabulary of
    // ~100 words start near ln V).
    double[] stage1 = losses(r.at("/stages/1/losses"));
    assertTrue(mean(stage1, 9, 12) < 0.85 * mean(stage1, 0, 3),
        "Stage I loss falls: " + java.util.Arrays.toString(stage1));
    // The typed schema binds, and it says what the arms trained with.
    StudyResults typed = new ObjectMapper().readValue(out.resolve("results.json").toFile(), StudyResults.class);
    assertEquals(List.of(1L), typed.seeds());
    assertEquals("moe-llava", typed.baseline());
    assertEquals(new ArmRouting("routed", "linear", 2, true, 0.01, 0.0), typed.arms().get(1).routing());
    assertEquals(new ArmRouting("routed", "dtr", 1, false, 0.001, 0.01), typed.arms().get(2).routing());
    assertEquals(typed.perSeed().get(0).arms().get(2).scores().average(), typed.arms().get(2).average(), 0.0);
    // The dense arm has no diagnostics; the MoE arms have every report, a DTR arm also the
    // routers-at-initialisation baseline.
    assertEquals(PipelineDiagnostics.NONE, typed.arms().get(0).diagnostics());
    for (ArmSummary a : typed.arms().subList(1, 3)) {
      PipelineDiagnostics d = a.diagnostics();
      assertTrue(d.modalityShares() != null && d.routerLogits() != null && d.routing() != null
          && d.shuffle() != null && d.standalone() != null && d.similarity() != null
          && d.separation() != null && d.expertOutputs() != null, "missing diagnostic in " + a.arm());
      assertEquals(a.arm().equals("evomoe"), d.separationAtRouterInit() != null, a.arm());
    }
    // MoE-LLaVA starts from identical experts; EvoMoE's evolved experts differ from each other.
    double llavaSim = typed.arms().get(1).diagnostics().similarity().layers().get(0).meanOffDiagonal();
    double evoSim = typed.arms().get(2).diagnostics().similarity().layers().get(0).meanOffDiagonal();
    assertNotEquals(1.0, evoSim);
    assertTrue(llavaSim > 0.9, "moe-llava experts start as copies: " + llavaSim);
    // The report and the tokenizer hold what the run produced.
    String html = Files.readString(out.resolve("report.html"));
    for (String arm : arms) {
      assertTrue(html.contains(arm), "report names arm " + arm);
    }
    assertTrue(Files.size(out.resolve("study-arms.png")) > 1000, "arms chart drawn");
    WordTokenizer tok = WordTokenizer.load(out.resolve("tokenizer.json"));
    assertEquals(r.at("/data/vocabulary").asInt(), tok.vocabularySize());
    checkpointCommands(out.resolve("models"), r);
    // Determinism: the same seed again (Stage I only) gives bit-identical curves and scores.
    Files.writeString(cfg, "{\"quick\": true, \"arms\": [], \"settings\": {" + settings + "}}");
    Path again = dir.resolve("again");
    assertEquals(0, Main.commandLine().execute("train", "--config", cfg.toString(), "--out",
        again.toString(), "--threads", "1"));
    JsonNode r2 = new ObjectMapper().readTree(again.resolve("results.json").toFile());
    assertEquals(r.at("/stages/0/losses"), r2.at("/stages/0/losses"));
    assertEquals(r.at("/stages/1/losses"), r2.at("/stages/1/losses"));
    assertEquals(r.at("/perSeed/0/stage1"), r2.at("/perSeed/0/stage1"));
  }

  private static double[] losses(JsonNode a) {
    double[] v = new double[a.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = a.get(i).asDouble();
    }
    return v;
  }

  private static double mean(double[] v, int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) {
      s += v[i];
    }
    return s / (to - from);
  }

  /** eval, generate and score on the checkpoints the run saved. */
  private static void checkpointCommands(Path models, JsonNode results) throws Exception {
    for (String m : new String[] {"stage1", "dense", "moe-llava", "evomoe"}) {
      assertTrue(Files.isRegularFile(models.resolve(m).resolve("model.safetensors")), m);
    }
    String ckpt = models.resolve("evomoe").toString();
    String score = capture("score", "--checkpoint", ckpt, "--prompt", "is there a bag in the image ?",
        "--image-index", "2", "--json", "--threads", "1");
    PromptScores j = new ObjectMapper().readValue(score.substring(score.indexOf('{')),
        PromptScores.class);
    assertEquals(16, j.imageTokens());
    assertEquals(8, j.tokens().size(), "one log-probability per prompt word");
    double total = 0;
    for (PromptScores.ScoredToken t : j.tokens()) {
      assertTrue(t.logprob() <= 0);
      total += t.logprob();
    }
    assertEquals(total, j.totalLogprob(), 1e-9);
    double previous = 0;
    for (PromptScores.NextToken t : j.next()) {
      assertTrue(t.logprob() <= previous + 1e-12, "next-token entries sorted");
      previous = t.logprob();
    }
    String eval = capture("eval", "--checkpoint", ckpt, "--json", "--threads", "1");
    JsonNode e = new ObjectMapper().readTree(eval.substring(eval.indexOf('{')));
    assertEquals("evomoe", e.get("arm").asText());
    // The saved model is the trained one: scored on the run's samples it reproduces the run's scores.
    StudyResults typed = new ObjectMapper().treeToValue(results, StudyResults.class);
    DemoPipeline seed1 = new DemoPipeline(typed.settings());
    org.evomoe.examples.checkpoint.LoadedModel saved =
        org.evomoe.examples.checkpoint.ModelCheckpoint.load(models.resolve("evomoe"));
    assertEquals(typed.perSeed().get(0).arms().get(2).scores(),
        org.evomoe.examples.study.Scores.of(seed1.evaluate(saved.model())));
    assertTrue(e.get("pope").has("all"));
    assertTrue(e.at("/heldOut/pope").has("all"));
    capture("generate", "--checkpoint", ckpt, "--prompt", "what is at the top left ?",
        "--image-index", "0", "--max-tokens", "4", "--threads", "1");
    // A picture file: a PNG of another size is scaled to the canvas; the same canvas written as a
    // 56 x 56 PNG scores exactly like the data set's canvas (8-bit pixels round-trip exactly).
    org.evomoe.examples.data.instruct.InstructionSample sample =
        org.evomoe.examples.data.instruct.InstructionDataGenerator.generate(
                org.evomoe.examples.data.FashionMnist.load(null),
                org.evomoe.examples.data.instruct.InstructionConfig.defaults(1)).test().stream()
            .filter(org.evomoe.examples.data.instruct.InstructionSample::hasImage).toList().get(2);
    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(56, 56,
        java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
    float[] px = sample.pixels();
    for (int i = 0; i < px.length; i++) {
      img.getRaster().setSample(i % 56, i / 56, 0, Math.round(px[i] * 255));
    }
    Path png = models.resolve("canvas.png");
    javax.imageio.ImageIO.write(img, "png", png.toFile());
    String fromPng = capture("score", "--checkpoint", ckpt, "--prompt", "is there a bag in the image ?",
        "--image", png.toString(), "--json", "--threads", "1");
    PromptScores p = new ObjectMapper().readValue(fromPng.substring(fromPng.indexOf('{')),
        PromptScores.class);
    assertEquals(j.totalLogprob(), p.totalLogprob(), 1e-5);
    java.awt.image.BufferedImage big = new java.awt.image.BufferedImage(100, 80,
        java.awt.image.BufferedImage.TYPE_INT_RGB);
    Path bigPng = models.resolve("big.png");
    javax.imageio.ImageIO.write(big, "png", bigPng.toFile());
    capture("generate", "--checkpoint", ckpt, "--prompt", "what is at the top left ?",
        "--image", bigPng.toString(), "--max-tokens", "2", "--threads", "1");
    assertEquals(1, Main.commandLine().execute("generate", "--checkpoint", ckpt, "--prompt", "x",
        "--image", models.resolve("missing.png").toString()));
    assertEquals(1, Main.commandLine().execute("score", "--checkpoint", models.resolve("missing").toString(),
        "--prompt", "x"));
  }

  private static String capture(String... args) {
    java.io.PrintStream old = System.out;
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
      code = Main.commandLine().execute(args);
    } finally {
      System.setOut(old);
    }
    assertEquals(0, code, String.join(" ", args));
    return buf.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void badConfigsFailWithOneLine(@TempDir Path dir) throws Exception {
    Path cfg = dir.resolve("c.json");
    Files.writeString(cfg, "{\"settings\": {\"stage1Steps\": 0}}");
    assertEquals(1, Main.commandLine().execute("train", "--config", cfg.toString()));
    Files.writeString(cfg, "{\"arms\": [\"nope\"]}");
    assertEquals(1, Main.commandLine().execute("train", "--config", cfg.toString(), "--out", dir.resolve("o").toString()));
    Files.writeString(cfg, "[1, 2]");
    assertEquals(1, Main.commandLine().execute("train", "--config", cfg.toString()));
    assertEquals(1, Main.commandLine().execute("train", "--config", dir.resolve("missing.json").toString()));
  }
}
