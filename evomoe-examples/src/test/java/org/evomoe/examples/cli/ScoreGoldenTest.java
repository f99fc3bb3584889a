package org.evomoe.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.evomoe.golden.GoldenFixture;
import org.junit.jupiter.api.Test;

/**
 * The PyTorch rebuild of docs/checkpoint-format.md against {@code evomoe score --json}
 * (src-test-data/golden, docs/golden-tests.md). {@code score-model/} is a model folder written by
 * {@code evomoe train --config score-model.train.json} (routed DTR MoE, grayscale canvas);
 * {@code score.json} holds PyTorch's per-token log-probabilities of three prompts, two with the
 * canvas {@code score-canvas.png}, and the top-5 next tokens, with the token ids from its own
 * implementation of the documented tokenizer.
 *
 * <p>Tolerance 2e-5 on log-probabilities: the model is float32 on both sides, log-probabilities
 * are of order 5, and float32 rounding through the vision tower, two decoder layers and a
 * 64-way log-softmax leaves a few 1e-7; measured at most 8e-7.
 */
class ScoreGoldenTest {
  record Next(int id, double logprob) {}

  record Prompt(String prompt, String image, List<Integer> ids, List<Double> logprobs, List<Next> next) {}

  record Fixture(String model, String torch, List<Prompt> prompts) {}


  static final double TOL = 2e-5;

  @Test
  void scoreJsonMatchesThePyTorchRebuild() throws IOException {
    ObjectMapper om = new ObjectMapper();
    Fixture f = om.readValue(GoldenFixture.DIR.resolve("score.json").toFile(), Fixture.class);
    assertEquals(3, f.prompts().size());
    for (Prompt p : f.prompts()) {
      List<String> args = new ArrayList<>(List.of("score", "--checkpoint",
          GoldenFixture.DIR.resolve(f.model()).toString(), "--prompt", p.prompt(), "--json", "--top", "5",
          "--threads", "1"));
      if (p.image() != null) {
        args.addAll(List.of("--image", GoldenFixture.DIR.resolve(p.image()).toString()));
      }
      String out = CliTest.run(0, args.toArray(String[]::new));
      PromptScores s = om.readValue(out.substring(out.indexOf('{')), PromptScores.class);
      assertEquals(p.image() == null ? 0 : 16, s.imageTokens(), p.prompt());
      assertEquals(p.ids(), s.tokens().stream().map(PromptScores.ScoredToken::id).toList(), p.prompt() + ": token ids");
      double total = 0;
      for (int i = 0; i < p.logprobs().size(); i++) {
        double want = p.logprobs().get(i);
        double got = s.tokens().get(i).logprob();
        total += want;
        assertEquals(want, got, TOL, p.prompt() + ": log-probability of token " + i);
      }
      assertEquals(total, s.totalLogprob(), TOL * p.logprobs().size(), p.prompt() + ": total");
      for (int i = 0; i < p.next().size(); i++) {
        assertEquals(p.next().get(i).id(), s.next().get(i).id(), p.prompt() + ": next token rank " + i);
        assertEquals(p.next().get(i).logprob(), s.next().get(i).logprob(), TOL, p.prompt() + ": next " + i);
      }
    }
  }

  /** docs/checkpoint-format.md shows the rebuild code of evomoe_torch.py verbatim. */
  @Test
  void checkpointFormatDocShowsTheGeneratorsRebuild() throws IOException {
    String module = Files.readString(GoldenFixture.DIR.resolve("evomoe_torch.py"));
    String begin = "# --- rebuild: begin (shown in docs/checkpoint-format.md) ---\n";
    int a = module.indexOf(begin);
    int b = module.indexOf("# --- rebuild: end ---");
    assertTrue(a >= 0 && b > a, "evomoe_torch.py has its rebuild markers");
    String code = module.substring(a + begin.length(), b);
    String doc = Files.readString(Path.of("..", "docs", "checkpoint-format.md"));
    assertTrue(doc.contains("```python\n") && doc.contains(code),
        "docs/checkpoint-format.md must show the rebuild code of src-test-data/golden/evomoe_torch.py verbatim");
  }
}
