package org.evomoe.examples.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.evomoe.examples.pipeline.PipelineDiagnostics;
import org.evomoe.tensor.Threads;
import org.evomoe.examples.pipeline.TaskMix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files written before the diagnostics were typed records (when they were JSON trees) keep
 * working: the fixtures under {@code study/previous-format} are a one-seed study of the dense,
 * moe-llava and evomoe arms on {@link TinySettings} as the earlier code wrote it ({@code
 * cells/...} and {@code results.json}). Reading them into the records and writing them again gives
 * the same JSON tree, field for field, and {@code study --resume} on the old cells finishes with
 * the old results.
 */
class PreviousFormatTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DIR = "/study/previous-format/";
  private static final List<String> CELLS = List.of("seed-1/dense", "seed-1/moe-llava",
      "seed-1/evomoe");

  private static JsonNode tree(String resource) throws IOException {
    try (InputStream in = PreviousFormatTest.class.getResourceAsStream(DIR + resource)) {
      assertNotNull(in, "fixture " + DIR + resource + " on the test classpath");
      return JSON.readTree(in);
    }
  }

  @Test
  void cellFilesReadAndWriteTheSameTree() throws Exception {
    for (String cell : CELLS) {
      JsonNode old = tree("cells/" + cell + "/result.json");
      CellResult typed = JSON.treeToValue(old, CellResult.class);
      assertEquals(old, written(typed), cell);
    }
    CellResult dense = JSON.treeToValue(tree("cells/seed-1/dense/result.json"), CellResult.class);
    assertEquals(PipelineDiagnostics.NONE, dense.diagnostics());
    PipelineDiagnostics evo = JSON.treeToValue(tree("cells/seed-1/evomoe/result.json"),
        CellResult.class).diagnostics();
    assertNotNull(evo.separationAtRouterInit(), "the DTR arm has the routers-at-init baseline");
    PipelineDiagnostics llava = JSON.treeToValue(tree("cells/seed-1/moe-llava/result.json"),
        CellResult.class).diagnostics();
    assertNull(llava.separationAtRouterInit());
    assertEquals(4, llava.standalone().scores().length, "one standalone score per expert");
  }

  @Test
  void resultsFileReadsAndWritesTheSameTree() throws Exception {
    JsonNode old = tree("results.json");
    StudyResults typed = JSON.treeToValue(old, StudyResults.class);
    JsonNode again = written(typed);
    // Settings written before the task mixes existed read as every task and are written with them.
    ObjectNode settings = (ObjectNode) again.get("settings");
    assertEquals(written(TaskMix.all()), settings.remove("stage1Tasks"));
    assertEquals(written(TaskMix.all()), settings.remove("armTasks"));
    assertEquals(old, again);
    // The arms' diagnostics are the first seed's cells' diagnostics.
    for (int a = 0; a < typed.arms().size(); a++) {
      assertEquals(written(typed.perSeed().get(0).arms().get(a).diagnostics()),
          written(typed.arms().get(a).diagnostics()));
    }
  }

  @Test
  void resumeFinishesFromOldCellsWithTheOldResults(@TempDir Path dir) throws Exception {
    Threads.set(1);
    for (String f : List.of("plan.json", "seed-1/stage1/result.json", "seed-1/dense/result.json",
        "seed-1/moe-llava/result.json", "seed-1/evomoe/result.json")) {
      Path to = dir.resolve("cells").resolve(f);
      Files.createDirectories(to.getParent());
      try (InputStream in = PreviousFormatTest.class.getResourceAsStream(DIR + "cells/" + f)) {
        assertNotNull(in, f);
        Files.copy(in, to);
      }
    }
    // The old folder's settings: written before the task mixes, so every stage on every task.
    StudyPlan plan = new StudyPlan("study",
        TinySettings.of(dir, 1).withTasks(TaskMix.all(), TaskMix.all()),
        List.of(Arm.DENSE, Arm.MOE_LLAVA, Arm.EVOMOE));
    RunOptions d = RunOptions.defaults();
    StudyResults resumed = new StudyRunner(plan, dir,
        new RunOptions(d.jobs(), d.checkpointEvery(), true, d.steps()), null, ModelSaver.none(),
        new PrintStream(new ByteArrayOutputStream())).run("test");
    JsonNode expected = withoutRunDetails(tree("results.json"));
    JsonNode got = withoutRunDetails(written(resumed));
    assertEquals(expected, got);
    assertTrue(got.at("/arms/2/diagnostics/separationAtRouterInit").isObject());
  }

  /**
   * {@code value} as the runner writes it and a reader parses it back (a tree built directly from
   * the value would hold a long where the parsed file holds an int, and compare unequal).
   */
  private static JsonNode written(Object value) throws IOException {
    return JSON.readTree(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value));
  }

  /** The tree without what differs between two runs of the same cells (times, memory, folder). */
  private static JsonNode withoutRunDetails(JsonNode n) {
    ObjectNode o = n.deepCopy();
    o.remove(List.of("seconds", "peakRssMiB", "settings"));
    return o;
  }
}
