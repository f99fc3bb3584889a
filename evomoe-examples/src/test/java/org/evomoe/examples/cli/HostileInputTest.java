package org.evomoe.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.evomoe.examples.checkpoint.MoeMode;
import org.evomoe.router.RouterKind;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and careless input to every command: each case must exit non-zero with a short
 * {@code error:} message (no stack trace, no exception name) and leave the user's files as they
 * were. One small model folder is built for the whole class.
 */
class HostileInputTest {
  @TempDir static Path tmp;
  /** The user's files that no case may touch: the model folders, a text file, a pipe. */
  static Path user;
  static Path model;
  static Path other;
  static Path fifo;
  static Path textFile;

  @BeforeAll
  static void setUp() throws Exception {
    user = Files.createDirectories(tmp.resolve("user"));
    model = TestModelFolders.save(user.resolve("model"), RouterKind.DTR, MoeMode.ROUTED, 7);
    other = TestModelFolders.save(user.resolve("other"), RouterKind.DTR, MoeMode.SEED_ONLY, 8);
    textFile = Files.writeString(user.resolve("notes.txt"), "not an image, not json");
    fifo = user.resolve("pipe");
    Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertEquals(0, p.waitFor(), "mkfifo");
  }

  /** One refused command line: the expected words of the message, then the arguments. */
  private record Case(String name, int maxLines, List<String> words, String... args) {}

  private static Case c(String name, String words, String... args) {
    return new Case(name, 1, words.isEmpty() ? List.of() : List.of(words.split("\\|")), args);
  }

  private static Case usage(String name, String words, String... args) {
    return new Case(name, 2, words.isEmpty() ? List.of("try") : List.of((words + "|try").split("\\|")), args);
  }

  private static Stream<DynamicTest> run(List<Case> cases) {
    return cases.stream().map(k -> dynamicTest(k.name(), () -> {
      Map<String, String> before = CliRun.fingerprint(user);
      CliRun.of(k.args()).refused(k.maxLines(), k.words().toArray(String[]::new));
      assertEquals(before, CliRun.fingerprint(user), "a file of the user changed");
    }));
  }

  @TestFactory
  Stream<DynamicTest> flags() {
    String m = model.toString();
    String longPrompt = "word ".repeat(10_000);
    List<Case> k = new ArrayList<>();
    k.add(usage("unknown command", "nosuch", "nosuch"));
    k.add(usage("unknown flag", "--no-such-flag", "demo", "--no-such-flag"));
    k.add(usage("missing --prompt", "--prompt", "generate", "--checkpoint", m));
    k.add(usage("missing --checkpoint", "--checkpoint", "score", "--prompt", "x"));
    k.add(usage("seed not a number", "--seed", "demo", "--seed", "abc"));
    k.add(usage("max-tokens beyond int", "--max-tokens", "generate", "--checkpoint", m, "--prompt", "x", "--max-tokens", "99999999999"));
    k.add(usage("image and image-index", "mutually exclusive", "score", "--checkpoint", m, "--prompt", "x", "--image", textFile.toString(), "--image-index", "1"));
    k.add(usage("threads not a number", "--threads", "score", "--checkpoint", m, "--prompt", "x", "--threads", "many"));
    k.add(c("steps needs 4", "--steps", "demo", "--steps", "1,2", "--out", user.resolve("never").toString()));
    k.add(c("steps negative", "stage", "demo", "--steps", "1,-2,3,4", "--out", user.resolve("never").toString()));
    k.add(c("demo threads 0", "--threads", "demo", "--threads", "0", "--out", user.resolve("never").toString()));
    k.add(c("demo data missing", "does not exist", "demo", "--data", user.resolve("nodata").toString(), "--out", user.resolve("never").toString()));
    k.add(c("demo data is a file", "not a folder", "demo", "--data", textFile.toString(), "--out", user.resolve("never").toString()));
    k.add(c("max-tokens 0", "--max-tokens", "generate", "--checkpoint", m, "--prompt", "x", "--max-tokens", "0"));
    k.add(c("max-tokens negative", "--max-tokens", "generate", "--checkpoint", m, "--prompt", "x", "--max-tokens", "-3"));
    k.add(c("max-tokens int max", "exceeds the context of 2048", "generate", "--checkpoint", m, "--prompt", "x", "--max-tokens", "2147483647", "--temperature", "1.5"));
    k.add(c("temperature negative", "--temperature", "generate", "--checkpoint", m, "--prompt", "x", "--temperature", "-1"));
    k.add(c("temperature NaN", "--temperature", "generate", "--checkpoint", m, "--prompt", "x", "--temperature", "NaN"));
    k.add(c("temperature infinite", "--temperature", "generate", "--checkpoint", m, "--prompt", "x", "--temperature", "Infinity"));
    k.add(c("top-p 0", "--top-p", "generate", "--checkpoint", m, "--prompt", "x", "--top-p", "0"));
    k.add(c("top-p 1.5", "--top-p", "generate", "--checkpoint", m, "--prompt", "x", "--top-p", "1.5"));
    k.add(c("top 0", "--top", "score", "--checkpoint", m, "--prompt", "x", "--top", "0"));
    k.add(c("threads 0", "--threads", "score", "--checkpoint", m, "--prompt", "x", "--threads", "0"));
    k.add(c("checkpoint missing", "does not exist", "score", "--checkpoint", user.resolve("none").toString(), "--prompt", "x"));
    k.add(c("checkpoint is a file", "not a folder", "score", "--checkpoint", textFile.toString(), "--prompt", "x"));
    k.add(c("checkpoint is a pipe", "named pipe", "score", "--checkpoint", fifo.toString(), "--prompt", "x"));
    k.add(c("checkpoint under /proc", "does not exist", "score", "--checkpoint", "/proc/x", "--prompt", "x"));
    k.add(c("prompt beyond context", "exceeds the context of 2048 tokens", "score", "--checkpoint", m, "--prompt", longPrompt));
    k.add(c("prompt beyond context generate", "exceeds the context of 2048 tokens", "generate", "--checkpoint", m, "--prompt", longPrompt));
    k.add(c("image is a directory", "is a directory", "score", "--checkpoint", m, "--prompt", "x", "--image", user.toString()));
    k.add(c("image missing", "does not exist", "score", "--checkpoint", m, "--prompt", "x", "--image", user.resolve("no.png").toString()));
    k.add(c("image is a pipe", "named pipe", "score", "--checkpoint", m, "--prompt", "x", "--image", fifo.toString()));
    k.add(c("image is a device", "device", "score", "--checkpoint", m, "--prompt", "x", "--image", "/dev/null"));
    k.add(c("image is text", "not a readable", "score", "--checkpoint", m, "--prompt", "x", "--image", textFile.toString()));
    k.add(c("image index negative", "--image-index", "score", "--checkpoint", m, "--prompt", "x", "--image-index", "-1"));
    k.add(c("image index too large", "--image-index", "score", "--checkpoint", m, "--prompt", "x", "--image-index", "99999999"));
    k.add(c("image data not a folder", "not a folder", "score", "--checkpoint", m, "--prompt", "x", "--image-index", "0", "--data", textFile.toString()));
    k.add(c("report results missing", "does not exist", "report", "--results", user.resolve("none.json").toString()));
    k.add(c("report results is a pipe", "named pipe", "report", "--results", fifo.toString()));
    k.add(c("report results is text", "not valid JSON", "report", "--results", textFile.toString()));
    k.add(c("train config missing", "does not exist", "train", "--config", user.resolve("none.json").toString()));
    k.add(c("train config is a directory", "is a directory", "train", "--config", user.toString()));
    k.add(c("train config is a pipe", "named pipe", "train", "--config", fifo.toString()));
    k.add(c("train config is a device", "device", "train", "--config", "/dev/zero"));
    k.add(c("train config is text", "not valid JSON", "train", "--config", textFile.toString()));
    return run(k);
  }

  /** A train --config file that must be refused before any work: name, expected words, content. */
  private record Settings(String name, String words, String json) {}

  @TestFactory
  Stream<DynamicTest> settingsFiles() {
    List<Settings> k = new ArrayList<>();
    // The cases of the report that started this suite.
    k.add(new Settings("arms as a string", "field arms must be an array", "{\"arms\": \"evomoe\"}"));
    k.add(new Settings("quick as yes", "field quick must be true or false", "{\"quick\": \"yes\"}"));
    k.add(new Settings("quick as 1", "field quick must be true or false", "{\"quick\": 1}"));
    k.add(new Settings("stage1Steps 1.5", "settings.stage1Steps must be an integer", "{\"settings\": {\"stage1Steps\": 1.5}}"));
    k.add(new Settings("negative evalSamples", "evalSamples must be in [0,", "{\"settings\": {\"evalSamples\": -1}}"));
    k.add(new Settings("negative diagnosticSamples", "diagnosticSamples must be in [0,", "{\"settings\": {\"diagnosticSamples\": -5}}"));
    k.add(new Settings("100000 layers", "layers must be in [1, 64]", "{\"settings\": {\"layers\": 100000}}"));
    k.add(new Settings("misspelt setting", "did you mean 'stage2Steps'", "{\"settings\": {\"stage2Step\": 10}}"));
    k.add(new Settings("misspelt top-level field", "did you mean 'settings'", "{\"setings\": {}}"));
    k.add(new Settings("unknown arm", "did you mean 'evomoe'", "{\"arms\": [\"evomo\"]}"));
    k.add(new Settings("duplicate key", "duplicate field", "{\"quick\": true, \"quick\": false}"));
    k.add(new Settings("duplicate setting", "duplicate field", "{\"settings\": {\"seed\": 1, \"seed\": 2}}"));
    k.add(new Settings("trailing content", "not valid JSON", "{\"quick\": true} {}"));
    k.add(new Settings("array at the root", "must hold a JSON object", "[1, 2]"));
    k.add(new Settings("empty file", "must hold a JSON object", ""));
    k.add(new Settings("truncated", "not valid JSON", "{\"settings\": {\"seed\": 1"));
    k.add(new Settings("settings a list", "field settings must be an object", "{\"settings\": [1]}"));
    k.add(new Settings("arms with null", "arms", "{\"arms\": [null]}"));
    k.add(new Settings("arms twice", "twice", "{\"arms\": [\"dense\", \"dense\"]}"));
    k.add(new Settings("arms of numbers", "arms", "{\"arms\": [1]}"));
    k.add(new Settings("quick null", "quick", "{\"quick\": null}"));
    k.add(new Settings("arms null", "arms", "{\"arms\": null}"));
    k.add(new Settings("seed a string", "settings.seed must be an integer", "{\"settings\": {\"seed\": \"7\"}}"));
    k.add(new Settings("seed a boolean", "settings.seed must be an integer", "{\"settings\": {\"seed\": true}}"));
    k.add(new Settings("lr a string", "settings.lr must be a number", "{\"settings\": {\"lr\": \"0.1\"}}"));
    k.add(new Settings("out a number", "settings.out", "{\"settings\": {\"out\": 5}}"));
    k.add(new Settings("int overflow", "settings.stage1Steps", "{\"settings\": {\"stage1Steps\": 2147483648}}"));
    k.add(new Settings("patch 0", "patch", "{\"settings\": {\"patch\": 0}}"));
    k.add(new Settings("nested too deep", "settings", "{\"settings\": {\"seed\": {\"a\": [[[[1]]]]}}}"));
    k.add(new Settings("unknown task in a mix", "unknown task 'counts' in a task mix (known: position, counting",
        "{\"settings\": {\"stage1Tasks\": [\"caption\", \"counts\"]}}"));
    k.add(new Settings("task twice in a mix", "task 'pope' is listed twice", "{\"settings\": {\"armTasks\": [\"pope\", \"pope\"]}}"));
    k.add(new Settings("empty task mix", "a task mix needs at least one task", "{\"settings\": {\"armTasks\": []}}"));
    k.add(new Settings("task mix a string", "settings.stage1Tasks", "{\"settings\": {\"stage1Tasks\": \"caption\"}}"));
    k.add(new Settings("task mix null", "stage1Tasks", "{\"settings\": {\"stage1Tasks\": null}}"));
    k.add(new Settings("task mix of numbers", "stage1Tasks", "{\"settings\": {\"stage1Tasks\": [1]}}"));
    String[] intFields = {"batchSize", "alignSteps", "stage1Steps", "stage2Steps", "stage3Steps", "dModel",
        "layers", "heads", "kvHeads", "ffnHidden", "experts", "dVision", "patch", "evalSamples",
        "diagnosticSamples"};
    String[] badInts = {"-1", "2147483647", "-2147483648", "100000000", "1.5", "\"3\"", "true", "null", "[]", "{}"};
    for (String f : intFields) {
      for (String v : badInts) {
        k.add(new Settings(f + " = " + v, f, "{\"settings\": {\"" + f + "\": " + v + "}}"));
      }
    }
    for (String f : new String[] {"lr", "lrAfter"}) {
      for (String v : new String[] {"0", "-0.1", "\"1e-3\"", "true", "null", "[]", "1e999"}) {
        k.add(new Settings(f + " = " + v, f, "{\"settings\": {\"" + f + "\": " + v + "}}"));
      }
    }
    return k.stream().map(x -> dynamicTest(x.name(), () -> {
      Path dir = Files.createDirectories(tmp.resolve("settings"));
      Path file = dir.resolve("c.json");
      Files.writeString(file, x.json());
      Map<String, String> before = CliRun.fingerprint(dir);
      Path out = tmp.resolve("never-written");
      CliRun.of("train", "--config", file.toString(), "--out", out.toString(), "--threads", "1")
          .refused(1, x.words());
      assertEquals(before, CliRun.fingerprint(dir), "a file of the user changed");
      org.junit.jupiter.api.Assertions.assertFalse(Files.exists(out), "the output folder was created");
    }));
  }

  /** A damaged model folder: name, then what to do to a fresh copy of the good folder. */
  private record Folder(String name, FolderEdit edit) {}

  @FunctionalInterface
  private interface FolderEdit {
    void apply(Path dir) throws Exception;
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private static FolderEdit config(java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> edit) {
    return dir -> {
      Path f = dir.resolve("config.json");
      com.fasterxml.jackson.databind.node.ObjectNode c =
          (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(f.toFile());
      edit.accept(c);
      Files.writeString(f, c.toString());
    };
  }

  private static FolderEdit text(String file, java.util.function.UnaryOperator<String> edit) {
    return dir -> Files.writeString(dir.resolve(file), edit.apply(Files.readString(dir.resolve(file))));
  }

  private static com.fasterxml.jackson.databind.node.ObjectNode at(
      com.fasterxml.jackson.databind.node.ObjectNode c, String path) {
    int dot = path.indexOf('.');
    return dot < 0 ? c : (com.fasterxml.jackson.databind.node.ObjectNode) c.get(path.substring(0, dot));
  }

  private static String leaf(String path) {
    return path.substring(path.indexOf('.') + 1);
  }

  @TestFactory
  Stream<DynamicTest> modelFolders() throws IOException {
    List<Folder> k = new ArrayList<>();
    // The cases of the report that started this suite.
    k.add(new Folder("num_hidden_layers int max", config(c -> c.put("num_hidden_layers", Integer.MAX_VALUE))));
    k.add(new Folder("num_local_experts int max", config(c -> c.put("num_local_experts", Integer.MAX_VALUE))));
    k.add(new Folder("num_local_experts ten million", config(c -> c.put("num_local_experts", 10_000_000))));
    k.add(new Folder("vision num_hidden_layers huge", config(c -> ((com.fasterxml.jackson.databind.node.ObjectNode) c.get("vision_config")).put("num_hidden_layers", 2_000_000_000))));
    k.add(new Folder("num_hidden_layers within limits but not the weights'", config(c -> c.put("num_hidden_layers", 1000))));
    k.add(new Folder("weights a named pipe", dir -> {
      Files.delete(dir.resolve("model.safetensors"));
      new ProcessBuilder("mkfifo", dir.resolve("model.safetensors").toString()).start().waitFor();
    }));
    k.add(new Folder("config a named pipe", dir -> {
      Files.delete(dir.resolve("config.json"));
      new ProcessBuilder("mkfifo", dir.resolve("config.json").toString()).start().waitFor();
    }));
    k.add(new Folder("tokenizer a named pipe", dir -> {
      Files.delete(dir.resolve("tokenizer.json"));
      new ProcessBuilder("mkfifo", dir.resolve("tokenizer.json").toString()).start().waitFor();
    }));
    for (String f : new String[] {"config.json", "tokenizer.json", "model.safetensors"}) {
      k.add(new Folder(f + " a directory", dir -> {
        Files.delete(dir.resolve(f));
        Files.createDirectory(dir.resolve(f));
      }));
      k.add(new Folder(f + " a link to a device", dir -> {
        Files.delete(dir.resolve(f));
        Files.createSymbolicLink(dir.resolve(f), Path.of("/dev/zero"));
      }));
      k.add(new Folder(f + " missing", dir -> Files.delete(dir.resolve(f))));
      k.add(new Folder(f + " empty", dir -> Files.write(dir.resolve(f), new byte[0])));
      k.add(new Folder(f + " truncated", dir -> {
        byte[] b = Files.readAllBytes(dir.resolve(f));
        Files.write(dir.resolve(f), java.util.Arrays.copyOf(b, b.length / 2));
      }));
      if (!f.equals("tokenizer.json")) { // the two folders share their vocabulary
        k.add(new Folder(f + " from the other folder", dir ->
            Files.copy(other.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING)));
      }
    }
    // config.json: every field, hostile values.
    String[] ints = {"vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
        "num_attention_heads", "num_key_value_heads", "num_local_experts", "num_experts_per_tok",
        "format_version", "image_seq_length", "head_dim", "vision_config.image_height",
        "vision_config.image_width", "vision_config.patch_size", "vision_config.hidden_size",
        "vision_config.intermediate_size", "vision_config.num_hidden_layers",
        "vision_config.num_attention_heads", "vision_config.num_channels"};
    Object[] badInts = {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 10_000_000, 1.5, "7", true,
        List.of(), Map.of(), 2147483648L, 1e308};
    for (String f : ints) {
      for (Object v : badInts) {
        k.add(new Folder("config " + f + " = " + v, config(c -> at(c, f).set(leaf(f), JSON.valueToTree(v)))));
      }
      k.add(new Folder("config " + f + " removed", config(c -> at(c, f).remove(leaf(f)))));
    }
    String[] doubles = {"rms_norm_eps", "rope_theta", "router_aux_loss_coef", "router_z_loss_coef",
        "vision_config.rms_norm_eps"};
    Object[] badDoubles = {0, -1.0, "0.1", true, List.of(), 2.5, 1e-300};
    for (String f : doubles) {
      for (Object v : badDoubles) {
        k.add(new Folder("config " + f + " = " + v, config(c -> at(c, f).set(leaf(f), JSON.valueToTree(v)))));
      }
    }
    String[] strings = {"model_type", "moe_mode", "router_kind", "torch_dtype", "hidden_act",
        "projector_hidden_act", "vision_config.hidden_act"};
    Object[] badStrings = {"", "x", 1, List.of("a"), "DENSE"};
    for (String f : strings) {
      for (Object v : badStrings) {
        k.add(new Folder("config " + f + " = " + v, config(c -> at(c, f).set(leaf(f), JSON.valueToTree(v)))));
      }
    }
    k.add(new Folder("config moe_mode dense", config(c -> c.put("moe_mode", "dense"))));
    k.add(new Folder("config router linear", config(c -> c.put("router_kind", "linear"))));
    k.add(new Folder("config moe_layers out of range", config(c -> c.putArray("moe_layers").add(99))));
    k.add(new Folder("config moe_layers twice", config(c -> c.putArray("moe_layers").add(0).add(0))));
    k.add(new Folder("config moe_layers a string", config(c -> c.put("moe_layers", "0"))));
    k.add(new Folder("config unknown field", config(c -> c.put("num_hidden_layer", 2))));
    k.add(new Folder("config dtr rank huge", config(c -> ((com.fasterxml.jackson.databind.node.ObjectNode) c.get("dtr_config")).put("rank", Integer.MAX_VALUE))));
    k.add(new Folder("config dtr hyper_hidden huge", config(c -> ((com.fasterxml.jackson.databind.node.ObjectNode) c.get("dtr_config")).put("hyper_hidden", 100_000_000))));
    k.add(new Folder("config vision_config a list", config(c -> c.putArray("vision_config"))));
    k.add(new Folder("config tie_word_embeddings", config(c -> c.put("tie_word_embeddings", true))));
    k.add(new Folder("config duplicate key", text("config.json", s -> s.replaceFirst("\\{", "{\"vocab_size\": 5,"))));
    k.add(new Folder("config trailing content", text("config.json", s -> s + " {}")));
    k.add(new Folder("config an array", text("config.json", s -> "[" + s + "]")));
    k.add(new Folder("config binary", dir -> Files.write(dir.resolve("config.json"), new byte[] {0, (byte) 0xff, 3})));
    k.add(new Folder("config deeply nested", text("config.json", s -> "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}")));
    k.add(new Folder("config one space added", text("config.json", s -> s + " ")));
    // tokenizer.json.
    k.add(new Folder("tokenizer duplicate key", text("tokenizer.json", s -> s.replaceFirst("\\{", "{\"format\": \"x\","))));
    k.add(new Folder("tokenizer duplicate tokens key", text("tokenizer.json", s -> s.replaceFirst("\\{", "{\"tokens\": [],"))));
    k.add(new Folder("tokenizer duplicate token", text("tokenizer.json", s -> s.replace("\"yes\"", "\"no\""))));
    k.add(new Folder("tokenizer wrong format", text("tokenizer.json", s -> s.replace("evomoe-word-vocabulary", "bpe"))));
    k.add(new Folder("tokenizer version string", text("tokenizer.json", s -> s.replaceFirst("\"version\" ?: ?1", "\"version\": \"1\""))));
    k.add(new Folder("tokenizer version 2", text("tokenizer.json", s -> s.replaceFirst("\"version\" ?: ?1", "\"version\": 2"))));
    k.add(new Folder("tokenizer special out of order", text("tokenizer.json", s -> s.replace("\"<pad>\"", "\"<tmp>\"").replace("\"<bos>\"", "\"<pad>\"").replace("\"<tmp>\"", "\"<bos>\""))));
    k.add(new Folder("tokenizer token with a space", text("tokenizer.json", s -> s.replace("\"yes\"", "\"y es\""))));
    k.add(new Folder("tokenizer upper-case token", text("tokenizer.json", s -> s.replace("\"yes\"", "\"YES\""))));
    k.add(new Folder("tokenizer token a number", text("tokenizer.json", s -> s.replace("\"yes\"", "5"))));
    k.add(new Folder("tokenizer unknown field", text("tokenizer.json", s -> s.replaceFirst("\\{", "{\"merges\": [],"))));
    k.add(new Folder("tokenizer tokens an object", text("tokenizer.json", s -> s.replaceFirst("\"tokens\" ?: ?\\[", "\"tokens\": {\"a\": [").replaceFirst("\\]\\s*}\\s*$", "]}}"))));
    k.add(new Folder("tokenizer more tokens than vocab_size", dir ->
        org.evomoe.examples.text.WordTokenizer.build(List.of("a b c d e f g h i j k l m n o p q r s t u v w x y z"))
            .save(dir.resolve("tokenizer.json"))));
    k.add(new Folder("tokenizer another valid vocabulary", dir ->
        org.evomoe.examples.text.WordTokenizer.build(List.of("is there a blue bag"))
            .save(dir.resolve("tokenizer.json"))));
    k.add(new Folder("tokenizer trailing content", text("tokenizer.json", s -> s + "]")));
    // model.safetensors.
    k.add(new Folder("weights header length huge", dir -> {
      byte[] b = Files.readAllBytes(dir.resolve("model.safetensors"));
      java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, Long.MAX_VALUE);
      Files.write(dir.resolve("model.safetensors"), b);
    }));
    k.add(new Folder("weights a byte flipped in the header", dir -> {
      byte[] b = Files.readAllBytes(dir.resolve("model.safetensors"));
      b[20] ^= 0x55;
      Files.write(dir.resolve("model.safetensors"), b);
    }));
    k.add(new Folder("weights trailing bytes", dir -> Files.write(dir.resolve("model.safetensors"),
        new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND)));
    Path cases = Files.createDirectories(tmp.resolve("folders"));
    int[] n = {0};
    return k.stream().map(x -> dynamicTest(x.name(), () -> {
      Path dir = TestModelFolders.copy(model, cases.resolve("case" + n[0]++));
      x.edit().apply(dir);
      Map<String, String> before = CliRun.fingerprint(dir);
      org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () ->
          CliRun.of("score", "--checkpoint", dir.toString(), "--prompt", "is there a bag ?", "--threads", "1")
              .refused(1));
      assertEquals(before, CliRun.fingerprint(dir), "a file of the user changed");
    }));
  }
}
