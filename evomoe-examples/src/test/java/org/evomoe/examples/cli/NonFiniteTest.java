package org.evomoe.examples.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.evomoe.checkpoint.Dtype;
import org.evomoe.checkpoint.Safetensors;
import org.evomoe.checkpoint.Tensor;
import org.evomoe.examples.checkpoint.MoeMode;
import org.evomoe.examples.checkpoint.Sha256;
import org.evomoe.router.RouterKind;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * A corrupted but finite weight that overflows never gives exit 0 with NaN log-probabilities or
 * an accuracy of 0: score, generate and eval stop with an error naming the layer where the
 * non-finite values first appear; a model whose damaged part is not used still works.
 */
class NonFiniteTest {
  @TempDir static Path tmp;
  static Path decoderDamaged;
  static Path visionDamaged;

  @BeforeAll
  static void damage() throws IOException {
    decoderDamaged = damaged(tmp.resolve("decoder"), "model.layers.1.input_layernorm.weight");
    visionDamaged = damaged(tmp.resolve("vision"),
        "vision_tower.vision_model.encoder.layers.0.layer_norm1.weight");
  }

  /** A model folder with one tensor set to 1e30 (finite, so loading accepts it), re-bound. */
  static Path damaged(Path dir, String tensor) throws IOException {
    TestModelFolders.save(dir, RouterKind.DTR, MoeMode.ROUTED, 11);
    Path w = dir.resolve("model.safetensors");
    Map<String, String> meta = new LinkedHashMap<>(Safetensors.read(w).metadata());
    List<Tensor> tensors = new ArrayList<>();
    for (Tensor t : Safetensors.read(w).tensors().values()) {
      if (t.name().equals(tensor)) {
        float[] d = new float[t.data().length];
        java.util.Arrays.fill(d, 1e30f);
        t = new Tensor(t.name(), t.shape(), d);
      }
      tensors.add(t);
    }
    meta.put("evomoe_config_sha256", Sha256.of(dir.resolve("config.json")));
    Safetensors.write(w, tensors, meta, Dtype.F32);
    return dir;
  }

  private record Case(String name, List<String> words, String... args) {}

  @TestFactory
  Stream<DynamicTest> nonFiniteOutputsStopWithTheLayerNamed() {
    String d = decoderDamaged.toString();
    String v = visionDamaged.toString();
    List<Case> cases = List.of(
        new Case("score", List.of("non-finite", "decoder layer 1 (model.layers.1)"),
            "score", "--checkpoint", d, "--prompt", "is there a bag ?", "--json", "--threads", "1"),
        new Case("score with an image", List.of("vision encoder layer 0"),
            "score", "--checkpoint", v, "--prompt", "is there a bag ?", "--image-index", "0", "--threads", "1"),
        new Case("generate", List.of("non-finite", "decoder layer 1 (model.layers.1)"),
            "generate", "--checkpoint", d, "--prompt", "is there a bag ?", "--threads", "1"),
        new Case("generate with an image", List.of("the image rows"),
            "generate", "--checkpoint", v, "--prompt", "what is at the top ?", "--image-index", "0", "--threads", "1"),
        new Case("eval", List.of("non-finite", "evaluation batch", "vision encoder layer 0"),
            "eval", "--checkpoint", v, "--threads", "1"),
        new Case("eval decoder", List.of("non-finite", "evaluation batch", "decoder layer 1"),
            "eval", "--checkpoint", d, "--threads", "1"));
    return cases.stream().map(c -> dynamicTest(c.name(), () -> {
      CliRun r = CliRun.of(c.args()).refused(1, c.words().toArray(String[]::new));
      assertFalse(r.out().contains("NaN"), r.out());
    }));
  }

  @TestFactory
  Stream<DynamicTest> unusedDamageDoesNotStopTheCommands() {
    // The damaged vision layer is not used by a text-only prompt.
    String v = visionDamaged.toString();
    return Stream.of(
        dynamicTest("score text only", () -> CliRun.of("score", "--checkpoint", v, "--prompt", "is there a bag ?",
            "--json", "--threads", "1").ok()),
        dynamicTest("generate text only", () -> CliRun.of("generate", "--checkpoint", v, "--prompt", "is there a bag ?",
            "--threads", "1").ok()));
  }
}
