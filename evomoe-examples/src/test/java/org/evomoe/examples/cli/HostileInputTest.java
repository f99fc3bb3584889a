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
  static Path model;
  static Path fifo;
  static Path textFile;

  @BeforeAll
  static void setUp() throws Exception {
    model = TestModelFolders.save(tmp.resolve("model"), RouterKind.DTR, MoeMode.ROUTED, 7);
    textFile = Files.writeString(tmp.resolve("notes.txt"), "not an image, not json");
    fifo = tmp.resolve("pipe");
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
      Map<String, String> before = CliRun.fingerprint(tmp);
      CliRun.of(k.args()).refused(k.maxLines(), k.words().toArray(String[]::new));
      assertEquals(before, CliRun.fingerprint(tmp), "a file of the user changed");
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
    k.add(c("steps needs 4", "--steps", "demo", "--steps", "1,2", "--out", tmp.resolve("never").toString()));
    k.add(c("steps negative", "stage", "demo", "--steps", "1,-2,3,4", "--out", tmp.resolve("never").toString()));
    k.add(c("demo threads 0", "--threads", "demo", "--threads", "0", "--out", tmp.resolve("never").toString()));
    k.add(c("demo data missing", "does not exist", "demo", "--data", tmp.resolve("nodata").toString(), "--out", tmp.resolve("never").toString()));
    k.add(c("demo data is a file", "not a folder", "demo", "--data", textFile.toString(), "--out", tmp.resolve("never").toString()));
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
    k.add(c("checkpoint missing", "does not exist", "score", "--checkpoint", tmp.resolve("none").toString(), "--prompt", "x"));
    k.add(c("checkpoint is a file", "not a folder", "score", "--checkpoint", textFile.toString(), "--prompt", "x"));
    k.add(c("checkpoint is a pipe", "named pipe", "score", "--checkpoint", fifo.toString(), "--prompt", "x"));
    k.add(c("checkpoint under /proc", "does not exist", "score", "--checkpoint", "/proc/x", "--prompt", "x"));
    k.add(c("prompt beyond context", "exceeds the context of 2048 tokens", "score", "--checkpoint", m, "--prompt", longPrompt));
    k.add(c("prompt beyond context generate", "exceeds the context of 2048 tokens", "generate", "--checkpoint", m, "--prompt", longPrompt));
    k.add(c("image is a directory", "is a directory", "score", "--checkpoint", m, "--prompt", "x", "--image", tmp.toString()));
    k.add(c("image missing", "does not exist", "score", "--checkpoint", m, "--prompt", "x", "--image", tmp.resolve("no.png").toString()));
    k.add(c("image is a pipe", "named pipe", "score", "--checkpoint", m, "--prompt", "x", "--image", fifo.toString()));
    k.add(c("image is a device", "device", "score", "--checkpoint", m, "--prompt", "x", "--image", "/dev/null"));
    k.add(c("image is text", "not a readable", "score", "--checkpoint", m, "--prompt", "x", "--image", textFile.toString()));
    k.add(c("image index negative", "--image-index", "score", "--checkpoint", m, "--prompt", "x", "--image-index", "-1"));
    k.add(c("image index too large", "--image-index", "score", "--checkpoint", m, "--prompt", "x", "--image-index", "99999999"));
    k.add(c("image data not a folder", "not a folder", "score", "--checkpoint", m, "--prompt", "x", "--image-index", "0", "--data", textFile.toString()));
    k.add(c("report results missing", "does not exist", "report", "--results", tmp.resolve("none.json").toString()));
    k.add(c("report results is a pipe", "named pipe", "report", "--results", fifo.toString()));
    k.add(c("report results is text", "not valid JSON", "report", "--results", textFile.toString()));
    k.add(c("train config missing", "does not exist", "train", "--config", tmp.resolve("none.json").toString()));
    k.add(c("train config is a directory", "is a directory", "train", "--config", tmp.toString()));
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
      Map<String, String> before = CliRun.fingerprint(tmp);
      Path out = tmp.resolve("never-written");
      CliRun.of("train", "--config", file.toString(), "--out", out.toString(), "--threads", "1")
          .refused(1, x.words());
      assertEquals(before, CliRun.fingerprint(tmp), "a file of the user changed");
      org.junit.jupiter.api.Assertions.assertFalse(Files.exists(out), "the output folder was created");
    }));
  }
}
