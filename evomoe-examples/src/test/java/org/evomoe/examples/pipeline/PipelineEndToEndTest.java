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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole pipeline through {@code evomoe train --config}, with a handful of steps per stage. */
class PipelineEndToEndTest {
  @Test
  void tinyRunProducesResultsForEveryArmWithDiagnosticsAndAReport(@TempDir Path dir) throws Exception {
    Path cfg = dir.resolve("config.json");
    Files.writeString(cfg, "{\"quick\": true, \"settings\": {\"alignSteps\": 2, \"stage1Steps\": 4,"
        + " \"stage2Steps\": 2, \"stage3Steps\": 2, \"evalSamples\": 48, \"diagnosticSamples\": 24,"
        + " \"dModel\": 32, \"ffnHidden\": 64, \"dVision\": 16}}");
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
      if (!a.get("arm").asText().equals("dense")) {
        for (String d : new String[] {"modalityShares", "routerLogits", "routing", "shuffle", "standalone", "similarity"}) {
          assertTrue(a.get("diagnostics").has(d), "missing diagnostic " + d);
        }
      }
    }
    for (JsonNode s : r.get("stages")) {
      for (JsonNode l : s.get("losses")) {
        assertTrue(l.isNumber() && Double.isFinite(l.asDouble()), "non-finite loss in " + s.get("stage"));
      }
    }
    // MoE-LLaVA starts from identical experts; EvoMoE's evolved experts differ from each other.
    double llavaSim = r.get("arms").get(1).at("/diagnostics/similarity/layers/0/meanOffDiagonal").asDouble();
    double evoSim = r.get("arms").get(2).at("/diagnostics/similarity/layers/0/meanOffDiagonal").asDouble();
    assertNotEquals(1.0, evoSim);
    assertTrue(llavaSim > 0.9, "moe-llava experts start as copies: " + llavaSim);
    assertTrue(Files.isRegularFile(out.resolve("report.html")));
    assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
    checkpointCommands(out.resolve("models"));
  }

  /** eval, generate and score on the checkpoints the run saved. */
  private static void checkpointCommands(Path models) throws Exception {
    for (String m : new String[] {"stage1", "dense", "moe-llava", "evomoe"}) {
      assertTrue(Files.isRegularFile(models.resolve(m).resolve("model.safetensors")), m);
    }
    String ckpt = models.resolve("evomoe").toString();
    String score = capture("score", "--checkpoint", ckpt, "--prompt", "is there a bag in the image ?",
        "--image-index", "2", "--json", "--threads", "1");
    JsonNode j = new ObjectMapper().readTree(score.substring(score.indexOf('{')));
    assertEquals(16, j.get("imageTokens").asInt());
    assertEquals(8, j.get("tokens").size(), "one log-probability per prompt word");
    double total = 0;
    for (JsonNode t : j.get("tokens")) {
      assertTrue(t.get("logprob").asDouble() <= 0);
      total += t.get("logprob").asDouble();
    }
    assertEquals(total, j.get("totalLogprob").asDouble(), 1e-9);
    double previous = 0;
    for (JsonNode t : j.get("next")) {
      assertTrue(t.get("logprob").asDouble() <= previous + 1e-12, "next-token entries sorted");
      previous = t.get("logprob").asDouble();
    }
    String eval = capture("eval", "--checkpoint", ckpt, "--json", "--threads", "1");
    JsonNode e = new ObjectMapper().readTree(eval.substring(eval.indexOf('{')));
    assertEquals("evomoe", e.get("arm").asText());
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
    JsonNode p = new ObjectMapper().readTree(fromPng.substring(fromPng.indexOf('{')));
    assertEquals(j.get("totalLogprob").asDouble(), p.get("totalLogprob").asDouble(), 1e-5);
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
