package org.evomoe.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Output folders of the training commands: an occupied folder is refused unless --overwrite or
 * --resume; --overwrite replaces only what a run writes; a manifest written last marks a finished
 * run and report and the model loaders refuse files of other runs; stale temporary files of
 * killed saves are removed; an unwritable folder fails before training. Two tiny runs are made
 * once for the class.
 */
class OutputFolderTest {
  /** Dense arm only, a handful of steps: a run of a few seconds. */
  static final String TINY = "{\"quick\": true, \"arms\": [\"dense\"], \"settings\": {\"alignSteps\": 1,"
      + " \"stage1Steps\": 2, \"stage2Steps\": 1, \"stage3Steps\": 1, \"evalSamples\": 8,"
      + " \"diagnosticSamples\": 8, \"dModel\": 16, \"ffnHidden\": 16, \"dVision\": 8, \"seed\": %d}}";

  @TempDir static Path tmp;
  static Path runA;
  static Path runB;

  @BeforeAll
  static void twoRuns() throws IOException {
    runA = train(tmp.resolve("a"), 1, tmp.resolve("run-a"));
    runB = train(tmp.resolve("b"), 2, tmp.resolve("run-b"));
  }

  static Path train(Path cfgDir, long seed, Path out, String... extra) throws IOException {
    Files.createDirectories(cfgDir);
    Path cfg = Files.writeString(cfgDir.resolve("c.json"), String.format(TINY, seed));
    List<String> args = new java.util.ArrayList<>(List.of("train", "--config", cfg.toString(),
        "--out", out.toString(), "--threads", "1"));
    args.addAll(List.of(extra));
    CliRun.of(args.toArray(String[]::new)).ok();
    return out;
  }

  static Path copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    return to;
  }

  @Test
  void aFinishedRunHasAManifestListingEveryFileItWroteWithItsHash() throws IOException {
    RunManifest m = new ObjectMapper().readValue(runA.resolve("manifest.json").toFile(), RunManifest.class);
    Map<String, RunManifest.FileEntry> files = m.byPath();
    for (String f : new String[] {"results.json", "report.html", "models/dense/model.safetensors",
        "models/dense/config.json", "models/dense/tokenizer.json", "models/stage1/model.safetensors"}) {
      assertTrue(files.containsKey(f), f + " in " + files.keySet());
      assertEquals(CliRun.sha256(runA.resolve(f)), files.get(f).sha256(), f);
    }
    assertTrue(m.command().startsWith("train --config"), m.command());
    assertEquals("fresh", m.mode());
    assertEquals("train", m.settings().kind(), m.settings().toString());
    assertNotNull(m.settings().settings(), "the plan's settings");
  }

  @Test
  void anOccupiedFolderIsRefusedBeforeAnyWorkByEveryTrainingCommand() throws IOException {
    Path out = Files.createDirectories(tmp.resolve("occupied"));
    Files.writeString(out.resolve("results.json"), "{\"mine\": true}");
    Files.writeString(out.resolve("notes.txt"), "my notes");
    Map<String, String> before = CliRun.fingerprint(out);
    Path cfg = Files.writeString(tmp.resolve("occupied.json"), String.format(TINY, 1));
    for (String[] args : List.of(
        new String[] {"demo", "--quick", "--out", out.toString()},
        new String[] {"train", "--config", cfg.toString(), "--out", out.toString()},
        new String[] {"study", "--quick", "--out", out.toString()})) {
      CliRun r = CliRun.of(args).refused(1, "already holds files", "--overwrite", "--resume");
      assertFalse(r.out().contains("stage"), "no work started: " + r.out());
      assertEquals(before, CliRun.fingerprint(out), args[0]);
    }
    CliRun.of("train", "--config", cfg.toString(), "--out", out.toString(), "--resume", "--overwrite")
        .refused(1, "exclude each other");
    assertEquals(before, CliRun.fingerprint(out));
  }

  @Test
  void settingsOutIsRefusedLikeOut() throws IOException {
    Path out = Files.createDirectories(tmp.resolve("settings-out"));
    Files.writeString(out.resolve("results.json"), "{\"mine\": true}");
    Path cfg = Files.writeString(tmp.resolve("settings-out.json"),
        "{\"quick\": true, \"settings\": {\"out\": \"" + out + "\"}}");
    CliRun.of("train", "--config", cfg.toString()).refused(1, "already holds files");
    assertEquals("{\"mine\": true}", Files.readString(out.resolve("results.json")));
  }

  @Test
  void overwriteReplacesWhatARunWritesAndNothingElse() throws IOException {
    Path out = copyTree(runA, tmp.resolve("overwrite"));
    Files.writeString(out.resolve("notes.txt"), "my notes");
    Files.createDirectories(out.resolve("mine"));
    Files.writeString(out.resolve("mine/data.csv"), "1,2");
    // A stale temporary file of a killed save beside results.json and in a model folder.
    Files.writeString(out.resolve(".results.json.k3x9q1.tmp"), "half");
    Files.writeString(out.resolve("models/dense/.model.safetensors.0a1b2c.tmp"), "half");
    String before = Files.readString(out.resolve("results.json"));
    CliRun r = CliRun.of("train", "--config", Files.writeString(tmp.resolve("ow.json"),
        String.format(TINY, 2)).toString(), "--out", out.toString(), "--threads", "1", "--overwrite").ok();
    assertTrue(r.out().contains("removed 2 temporary file(s) of an interrupted save"), r.out());
    assertEquals("my notes", Files.readString(out.resolve("notes.txt")));
    assertEquals("1,2", Files.readString(out.resolve("mine/data.csv")));
    assertFalse(Files.exists(out.resolve(".results.json.k3x9q1.tmp")));
    assertFalse(Files.exists(out.resolve("models/dense/.model.safetensors.0a1b2c.tmp")));
    assertTrue(!before.equals(Files.readString(out.resolve("results.json"))), "results replaced");
    RunManifest m = RunManifest.read(out).orElseThrow();
    assertEquals("overwrite", m.mode());
    assertFalse(m.byPath().containsKey("notes.txt"));
    assertFalse(m.byPath().containsKey("mine/data.csv"));
    CliRun.of("report", "--results", out.toString()).ok();
  }

  @Test
  void resumeOfAKilledRunCleansItsTempFilesAndEndsWithAManifest() throws IOException {
    // What a run killed after its cells leaves: no manifest, a half-written save in a cell.
    Path out = copyTree(runA, tmp.resolve("killed"));
    Files.delete(out.resolve("manifest.json"));
    Files.writeString(out.resolve("cells/seed-1/stage1/.weights.safetensors.5m2k.tmp"), "half");
    Files.writeString(out.resolve("notes.txt"), "my notes");
    CliRun.of("report", "--results", out.toString()).ok(); // flagged, see below
    CliRun r = CliRun.of("train", "--config", Files.writeString(tmp.resolve("resume.json"),
        String.format(TINY, 1)).toString(), "--out", out.toString(), "--threads", "1", "--resume").ok();
    assertTrue(r.out().contains("removed 1 temporary file(s)"), r.out());
    assertFalse(Files.exists(out.resolve("cells/seed-1/stage1/.weights.safetensors.5m2k.tmp")));
    assertEquals("resume", RunManifest.read(out).orElseThrow().mode());
    assertEquals("my notes", Files.readString(out.resolve("notes.txt")));
    CliRun ok = CliRun.of("report", "--results", out.toString()).ok();
    assertFalse(ok.err().contains("warning"), ok.err());
  }

  @Test
  void reportRefusesResultsOfAnotherRunAndFlagsAnUnfinishedOne() throws IOException {
    Path out = copyTree(runA, tmp.resolve("mixed-results"));
    CliRun ok = CliRun.of("report", "--results", out.toString()).ok();
    assertFalse(ok.err().contains("warning"), ok.err());
    // A killed later run over this folder left its results.json beside the old files.
    Files.copy(runB.resolve("results.json"), out.resolve("results.json"), StandardCopyOption.REPLACE_EXISTING);
    CliRun.of("report", "--results", out.toString()).refused(1, "results.json has changed since the run",
        "mixes the files of different runs");
    Files.delete(out.resolve("manifest.json"));
    CliRun w = CliRun.of("report", "--results", out.toString()).ok();
    assertTrue(w.err().contains("warning: ") && w.err().contains("has no manifest.json"), w.err());
  }

  @Test
  void modelLoadersRefuseAModelFolderOfAnotherRun() throws IOException {
    Path out = copyTree(runA, tmp.resolve("mixed-models"));
    String prompt = "is there a bag ?";
    CliRun.of("score", "--checkpoint", out.resolve("models/dense").toString(), "--prompt", prompt,
        "--threads", "1").ok();
    // The whole dense folder of run B: consistent in itself, but not run A's.
    for (String f : new String[] {"config.json", "tokenizer.json", "model.safetensors"}) {
      Files.copy(runB.resolve("models/dense/" + f), out.resolve("models/dense/" + f),
          StandardCopyOption.REPLACE_EXISTING);
    }
    CliRun.of("score", "--checkpoint", out.resolve("models/dense").toString(), "--prompt", prompt,
        "--threads", "1").refused(1, "models/dense/", "has changed since the run");
    // Copied out of the run folder it is an ordinary model folder.
    Path alone = TestModelFolders.copy(out.resolve("models/dense"), tmp.resolve("alone/dense"));
    CliRun.of("score", "--checkpoint", alone.toString(), "--prompt", prompt, "--threads", "1").ok();
  }

  @Test
  void outThatIsAFileOrUnderAFileIsRefused() throws IOException {
    Path file = Files.writeString(tmp.resolve("plain.txt"), "x");
    Path cfg = Files.writeString(tmp.resolve("file-out.json"), String.format(TINY, 1));
    CliRun.of("train", "--config", cfg.toString(), "--out", file.toString()).refused(1, "is a file, not a folder");
    CliRun.of("train", "--config", cfg.toString(), "--out", file.resolve("sub").toString())
        .refused(1, "cannot create the output folder");
    assertEquals("x", Files.readString(file));
  }

  /**
   * A real read-only file system and a full one (tmpfs mounts; skipped where mounting is not
   * allowed): refused before training with the cause named, and a disk that fills up during the
   * saves names "no space left on device".
   */
  @Test
  void readOnlyAndFullFileSystemsNameTheCause() throws Exception {
    Path ro = Files.createDirectories(tmp.resolve("ro"));
    Assumptions.assumeTrue(mount("ro,size=1m", ro), "tmpfs mounts not allowed here");
    try {
      Path cfg = Files.writeString(tmp.resolve("ro.json"), String.format(TINY, 1));
      CliRun r = CliRun.of("train", "--config", cfg.toString(), "--out", ro.resolve("out").toString(),
          "--threads", "1").refused(1, "read-only file system");
      assertFalse(r.out().contains("stage"), "failed before training: " + r.out());
    } finally {
      umount(ro);
    }
    Path full = Files.createDirectories(tmp.resolve("full"));
    Assumptions.assumeTrue(mount("size=64k", full), "tmpfs mounts not allowed here");
    try {
      Path cfg = Files.writeString(tmp.resolve("full.json"), String.format(TINY, 1));
      CliRun.of("train", "--config", cfg.toString(), "--out", full.resolve("out").toString(),
          "--threads", "1").refused(1, "no space left on device");
    } finally {
      umount(full);
    }
  }

  private static boolean mount(String options, Path dir) throws Exception {
    Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString())
        .redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor() == 0;
  }

  private static void umount(Path dir) throws Exception {
    new ProcessBuilder("umount", dir.toString()).redirectErrorStream(true).start().waitFor();
  }
}
