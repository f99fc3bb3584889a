package org.evomoe.examples.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.evomoe.checkpoint.CheckpointFormatException;
import org.evomoe.checkpoint.Dtype;
import org.evomoe.checkpoint.Safetensors;
import org.evomoe.checkpoint.Tensor;
import org.evomoe.router.RouterKind;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.text.WordTokenizer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** The files of a model folder belong together: swapped or mixed files are refused by name. */
class ModelFolderBindingTest {
  @TempDir Path tmp;
  Path llava;
  Path evomoe;

  /** Two folders as a run leaves them: same sizes and tokenizer, other router and weights. */
  @BeforeEach
  void save() throws IOException {
    llava = save(tmp.resolve("moe-llava"), RouterKind.LINEAR, MoeMode.ROUTED, 1);
    evomoe = save(tmp.resolve("evomoe"), RouterKind.LINEAR, MoeMode.SEED_ONLY, 2);
  }

  private static Path save(Path dir, RouterKind kind, MoeMode mode, long seed) throws IOException {
    ModelSpec spec = new ModelSpec(TinyModels.decoder(TinyModels.moe(kind)), TinyModels.vision(),
        mode);
    VisionLanguageModel m = ModelCheckpoint.newModel(spec, DataType.FLOAT, new SplittableRandom(seed));
    ModelCheckpoint.save(dir, m, spec, TinyModels.tokenizer());
    return dir;
  }

  private static CheckpointFormatException refused(Path dir, String file, String words) {
    CheckpointFormatException e =
        assertThrows(CheckpointFormatException.class, () -> ModelCheckpoint.load(dir));
    assertEquals(file, e.file().getFileName().toString(), e.getMessage());
    assertTrue(e.getMessage().contains(words), e.getMessage());
    return e;
  }

  private static void swap(Path a, Path b, String file) throws IOException {
    Path t = a.resolveSibling("swap.tmp");
    Files.move(a.resolve(file), t);
    Files.move(b.resolve(file), a.resolve(file));
    Files.move(t, b.resolve(file));
  }

  @Test
  void theWeightsRecordWhatTheyAre() throws IOException {
    Map<String, String> meta = Safetensors.read(evomoe.resolve("model.safetensors")).metadata();
    assertEquals("evomoe", meta.get("evomoe_name"));
    assertEquals("seed_only", meta.get("evomoe_moe_mode"));
    assertEquals("linear", meta.get("evomoe_router_kind"));
    assertEquals(Sha256.of(evomoe.resolve("config.json")), meta.get("evomoe_config_sha256"));
    assertEquals(Sha256.of(evomoe.resolve("tokenizer.json")), meta.get("evomoe_tokenizer_sha256"));
    ModelCheckpoint.load(evomoe);
  }

  @Test
  void swappedConfigsAreRefusedNamingTheConfig() throws IOException {
    // Same tensor set (only the MoE mode differs), so only the binding can tell.
    swap(llava, evomoe, "config.json");
    refused(evomoe, "config.json", "does not belong to the model.safetensors of this folder, model 'evomoe'");
    refused(llava, "config.json", "model 'moe-llava' (moe_mode routed");
  }

  @Test
  void swappedWeightsAreRefusedNamingTheWeights() throws IOException {
    swap(llava, evomoe, "model.safetensors");
    refused(evomoe, "model.safetensors", "does not belong in this folder: it holds the weights of model 'moe-llava'");
    refused(llava, "model.safetensors", "model 'evomoe' (moe_mode seed_only");
  }

  @Test
  void aForeignTokenizerIsRefusedNamingTheTokenizer() throws IOException {
    WordTokenizer.build(List.of("a red bag on the right")).save(evomoe.resolve("tokenizer.json"));
    refused(evomoe, "tokenizer.json", "does not belong");
  }

  @Test
  void aSaveKilledBeforeTheWeightsLeavesAFolderThatIsRefused() throws IOException {
    // A save of the llava model into evomoe's folder that stopped after config.json: new config,
    // old weights.
    Files.copy(llava.resolve("config.json"), evomoe.resolve("config.json"),
        StandardCopyOption.REPLACE_EXISTING);
    refused(evomoe, "config.json", "does not belong");
  }

  @Test
  void aRenamedOrCopiedFolderStillLoads() throws IOException {
    Path copy = Files.createDirectories(tmp.resolve("my-model"));
    for (String f : new String[] {"config.json", "tokenizer.json", "model.safetensors"}) {
      Files.copy(evomoe.resolve(f), copy.resolve(f));
    }
    ModelCheckpoint.load(copy);
  }

  @Test
  void weightsWithoutTheRecordAreRefused() throws IOException {
    Path w = evomoe.resolve("model.safetensors");
    List<Tensor> tensors = new ArrayList<>(Safetensors.read(w).tensors().values());
    Safetensors.write(w, tensors, Map.of("evomoe", "model"), Dtype.F32);
    refused(evomoe, "model.safetensors", "has no record of the config.json and tokenizer.json");
  }
}
