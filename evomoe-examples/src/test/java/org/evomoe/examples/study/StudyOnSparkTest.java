package org.evomoe.examples.study;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.TaskContext;
import org.evomoe.examples.checkpoint.ModelCheckpoint;
import org.evomoe.examples.checkpoint.ModelSpec;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.examples.spark.SparkCells;
import org.evomoe.examples.spark.SparkTestContext;
import org.evomoe.tensor.Threads;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cells of a study as Spark tasks ({@link SparkCells} on the shared {@code local[2,4]} test
 * context) against the runner's own JVM: the same numbers and the same saved models, a failed task
 * retried by Spark without changing them, and resumes of partly finished output folders (left by
 * the local runner or by a failed Spark run) that train only the unfinished cells.
 */
class StudyOnSparkTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<Arm> ARMS = List.of(Arm.DENSE, Arm.EVOMOE);
  /** Cells the executors trained (local mode: the executors are threads of this JVM). */
  private static final Set<String> TRAINED = ConcurrentHashMap.newKeySet();
  private static final AtomicInteger INJECTED = new AtomicInteger();
  private static StudyResults reference;
  private static Path referenceDir;

  @TempDir static Path dir;

  @BeforeAll
  static void localReference() throws Exception {
    Threads.set(1);
    referenceDir = dir.resolve("local");
    reference = run(referenceDir, new RunOptions(1, 2, false), null);
  }

  private static StudyResults run(Path out, RunOptions o, StepListener l) throws Exception {
    DemoSettings s = TinySettings.of(out, 2);
    ModelSaver saver = (name, m, p) -> ModelCheckpoint.save(out.resolve("models").resolve(name), m,
        ModelSpec.of(m), p.tokenizer());
    return new StudyRunner(new StudyPlan("study", s, ARMS), out, o, l, saver,
        new PrintStream(new ByteArrayOutputStream())).run("test");
  }

  private static RunOptions onSpark(boolean resume, SparkCells.TaskListener l) {
    return new RunOptions(1, 2, resume).withCells(SparkCells.on(SparkTestContext.get())
        .withTaskListener(l));
  }

  @Test
  void aFailedSparkRunResumesOnSparkToTheLocalNumbersAndFilesAndARetriedTaskChangesNothing()
      throws Exception {
    Path out = dir.resolve("spark");
    // Every attempt of one cell fails: Spark gives up after 4 and the run fails.
    Exception e = assertThrows(Exception.class, () -> run(out, onSpark(false,
        (cell, stage, step, loss) -> {
          if (cell.equals("seed-2/evomoe")) {
            throw new IllegalStateException("injected failure in every attempt");
          }
        }), null));
    assertTrue(String.valueOf(e.getMessage()).contains("injected failure"), e.toString());
    Set<String> finished = finishedCells(out);
    assertFalse(finished.contains("seed-2/evomoe"));
    assertTrue(finished.contains("seed-2/stage1"), "the Stage I the failed cell needed: " + finished);
    // The resumed run: the first attempt of the unfinished cell fails mid-stage, Spark retries it.
    TRAINED.clear();
    INJECTED.set(0);
    StudyResults spark = run(out, onSpark(true, (cell, stage, step, loss) -> {
      TRAINED.add(cell);
      if (cell.equals("seed-2/evomoe") && step == 2 && TaskContext.get().attemptNumber() == 0) {
        INJECTED.incrementAndGet();
        throw new IllegalStateException("injected failure");
      }
    }), null);
    assertEquals(1, INJECTED.get(), "the failure was injected once, and the retry ran");
    assertTrue(TRAINED.contains("seed-2/evomoe"));
    for (String cell : TRAINED) {
      assertFalse(finished.contains(cell), "a finished cell was trained again: " + cell);
    }
    assertEquals(StudyRunnerTest.numbers(reference), StudyRunnerTest.numbers(spark));
    assertEquals(JSON.valueToTree(reference.stage1()), JSON.valueToTree(spark.stage1()));
    for (int a = 0; a < ARMS.size(); a++) {
      assertEquals(JSON.valueToTree(reference.arms().get(a).tasks()),
          JSON.valueToTree(spark.arms().get(a).tasks()));
    }
    // The same files: the cells' results and Stage I weights, and the first seed's models.
    for (String f : List.of("cells/seed-1/stage1/weights.safetensors",
        "cells/seed-2/stage1/weights.safetensors", "models/stage1/model.safetensors",
        "models/stage1/config.json", "models/dense/model.safetensors",
        "models/evomoe/model.safetensors", "models/evomoe/config.json",
        "models/evomoe/tokenizer.json")) {
      assertArrayEquals(Files.readAllBytes(referenceDir.resolve(f)), Files.readAllBytes(out.resolve(f)), f);
    }
    assertEquals(stripped(referenceDir.resolve("cells/seed-2/evomoe/result.json")),
        stripped(out.resolve("cells/seed-2/evomoe/result.json")));
    assertNoCheckpoints(out);
  }

  @Test
  void aFolderTheLocalRunnerLeftUnfinishedIsResumedOnSparkTrainingOnlyTheUnfinishedCells()
      throws Exception {
    Path out = dir.resolve("local-killed");
    AtomicInteger n = new AtomicInteger();
    // 2 seeds x (2 + 4 + 2 x 6) = 36 steps: killed after 20 (seed 1 done, seed 2 in Stage I or later).
    assertThrows(IllegalStateException.class, () -> run(out, new RunOptions(1, 2, false),
        (cell, stage, step, loss) -> {
          if (n.incrementAndGet() == 20) {
            throw new IllegalStateException("killed");
          }
        }));
    Set<String> finished = finishedCells(out);
    assertTrue(finished.contains("seed-1/evomoe"), "seed 1 finished: " + finished);
    TRAINED.clear();
    StudyResults resumed = run(out, onSpark(true, (cell, stage, step, loss) -> TRAINED.add(cell)),
        null);
    assertEquals(StudyRunnerTest.numbers(reference), StudyRunnerTest.numbers(resumed));
    for (String cell : TRAINED) {
      assertFalse(finished.contains(cell), "a finished cell was trained again: " + cell);
    }
    assertEquals(6 - finished.size(), TRAINED.size(), "every unfinished cell trained: " + TRAINED);
    assertNoCheckpoints(out);
  }

  @Test
  void cellsOnSparkTakeOneJobAndLocalStageSteps() {
    RemoteCells c = task -> null;
    assertThrows(IllegalArgumentException.class, () -> new RunOptions(2, 2, false).withCells(c));
    assertThrows(IllegalArgumentException.class,
        () -> new RunOptions(1, 2, false, (m, p, w) -> null, c));
  }

  private static Set<String> finishedCells(Path out) throws Exception {
    Set<String> s = new java.util.TreeSet<>();
    try (Stream<Path> files = Files.walk(out.resolve(StudyRunner.CELLS))) {
      for (Path p : files.filter(p -> p.getFileName().toString().equals("result.json")).toList()) {
        Path cell = out.resolve(StudyRunner.CELLS).relativize(p.getParent());
        s.add(cell.toString().replace('\\', '/'));
      }
    }
    return s;
  }

  private static void assertNoCheckpoints(Path out) throws Exception {
    try (Stream<Path> files = Files.walk(out)) {
      assertFalse(files.anyMatch(p -> p.getFileName().toString().equals("checkpoints")),
          "finished cells drop their checkpoints");
    }
  }

  /** Every number of every seed (timings removed). */
  private static JsonNode stripped(Path json) throws Exception {
    JsonNode n = JSON.readTree(json.toFile());
    StudyRunnerTest.strip(n);
    return n;
  }
}
