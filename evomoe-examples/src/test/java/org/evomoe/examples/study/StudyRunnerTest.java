package org.evomoe.examples.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.pipeline.DemoPipeline;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.tensor.Threads;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner on a tiny model: arms trained with the routing the results report, results that do
 * not depend on the number of jobs, and killed runs that resume to the same numbers.
 */
class StudyRunnerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<Arm> ARMS = List.of(Arm.DENSE, Arm.MOE_LLAVA, Arm.UPCYCLED_DTR, Arm.EVOMOE);

  @BeforeAll
  static void oneThread() {
    Threads.set(1);
  }

  private static StudyResults run(Path out, int seeds, List<Arm> arms, RunOptions o,
      StepListener l) throws Exception {
    DemoSettings s = TinySettings.of(out, seeds);
    return new StudyRunner(new StudyPlan("study", s, arms), out, o, l, ModelSaver.none(),
        new PrintStream(new ByteArrayOutputStream())).run("test");
  }

  /** Every number of every seed (timings removed); also used by {@link StudyOnSparkTest}. */
  static JsonNode numbers(StudyResults r) {
    JsonNode n = JSON.valueToTree(r.perSeed());
    strip(n);
    return n;
  }

  /** Removes every "seconds" field (wall times) from a tree, in place. */
  static void strip(JsonNode n) {
    if (n instanceof ObjectNode o) {
      o.remove("seconds");
    }
    n.forEach(StudyRunnerTest::strip);
  }

  @Test
  void everyArmTrainsOnTheSameBatchesInTheSameOrder(@TempDir Path dir) throws Exception {
    DemoSettings s = TinySettings.of(dir, 1);
    int budget = ArmRecipe.budget(s);
    for (Arm arm : Arm.values()) {
      List<Integer> order = new ArrayList<>();
      for (PlannedStage ps : ArmRecipe.stages(s, arm)) {
        assertEquals(DemoPipeline.Pool.ARMS, ps.pool(), arm.armName());
        for (int i = 0; i < ps.config().optim().steps(); i++) {
          order.add(ps.offset() + i);
        }
      }
      List<Integer> expected = new ArrayList<>();
      for (int i = 0; i < budget; i++) {
        expected.add(i);
      }
      assertEquals(expected, order, arm.armName() + " walks the post-Stage-I batches 0.." + (budget - 1));
    }
    // The batch of a step is a function of (seed, step): two pipelines of a seed agree, seeds differ.
    DemoPipeline a = new DemoPipeline(s);
    DemoPipeline b = new DemoPipeline(s);
    DemoPipeline other = new DemoPipeline(s.withSeed(2));
    for (int step = 0; step < budget; step++) {
      assertEquals(a.batch(DemoPipeline.Pool.ARMS, step), b.batch(DemoPipeline.Pool.ARMS, step));
    }
    assertNotEquals(a.batch(DemoPipeline.Pool.ARMS, 0), other.batch(DemoPipeline.Pool.ARMS, 0));
    assertNotEquals(a.batch(DemoPipeline.Pool.ARMS, 0), a.batch(DemoPipeline.Pool.ARMS, 1));
  }

  @Test
  void resultsReportTheRoutingEachArmTrainedWithAndDoNotDependOnJobs(@TempDir Path dir) throws Exception {
    Map<String, ArmRouting> trainedWith = new ConcurrentHashMap<>();
    StepListener capture = new StepListener() {
      @Override
      public void onStep(String cell, String stage, int step, double loss) {}

      @Override
      public void afterStep(String cell, String stage, VisionLanguageModel model) {
        // The routing in force during the arm's last stage (the one that routes tokens).
        trainedWith.put(cell, ArmRouting.of(model));
      }
    };
    StudyResults one = run(dir.resolve("one"), 2, ARMS, new RunOptions(1, 2, false), capture);
    for (SeedResult seed : one.perSeed()) {
      for (CellResult c : seed.arms()) {
        assertEquals(trainedWith.get("seed-" + c.seed() + "/" + c.arm()), c.routing(), c.arm());
      }
    }
    ArmRouting llava = one.arms().get(1).routing();
    assertEquals(new ArmRouting("routed", "linear", 2, true, 0.01, 0.0), llava);
    assertEquals(new ArmRouting("routed", "dtr", 2, true, 0.01, 0.01), one.arms().get(2).routing());
    assertEquals(new ArmRouting("routed", "dtr", 1, false, 0.001, 0.01), one.arms().get(3).routing());
    assertEquals("seed_only", one.arms().get(0).routing().mode());
    // results.json carries what the arm summaries say (read back through the typed records).
    StudyResults back = JSON.readValue(JSON.writeValueAsBytes(one), StudyResults.class);
    assertEquals(llava, back.arms().get(1).routing());
    assertEquals(numbers(one), numbers(back));

    StudyResults two = run(dir.resolve("two"), 2, ARMS, new RunOptions(2, 2, false), null);
    assertEquals(numbers(one), numbers(two), "same seeds give identical numbers with 1 or 2 jobs");
    for (int a = 0; a < ARMS.size(); a++) {
      assertEquals(JSON.valueToTree(one.arms().get(a).tasks()), JSON.valueToTree(two.arms().get(a).tasks()));
    }
    // Statistics: two seeds per arm, paired differences for every arm but the baseline.
    for (ArmSummary a : one.arms()) {
      assertEquals(2, a.averageStats().n());
      assertEquals(a.arm().equals("moe-llava"), a.averageVsBaseline() == null, a.arm());
      assertTrue(a.trainableParameters() > 0);
    }
    // The report draws the arms with error bars and the paired differences.
    Path report = org.evomoe.examples.report.ReportWriter.write(one, dir.resolve("report"));
    String html = Files.readString(report);
    assertTrue(html.contains("Arms over seeds (2 seeds)"), "study section present");
    assertTrue(html.contains("study-arms.png") && html.contains("study-differences.png"));
    assertTrue(Files.size(dir.resolve("report").resolve("study-arms.png")) > 1000);
    assertTrue(html.contains("linear, top-2 renormalised, alpha 0.01"), "moe-llava routing shown");
    double mean = (one.perSeed().get(0).arms().get(3).scores().average()
        + one.perSeed().get(1).arms().get(3).scores().average()) / 2;
    assertEquals(mean, one.arms().get(3).average(), 1e-12);
  }

  @Test
  void aKilledRunResumesToTheNumbersOfAnUninterruptedRun(@TempDir Path dir) throws Exception {
    List<Arm> arms = List.of(Arm.MOE_LLAVA, Arm.EVOMOE);
    StudyResults reference = run(dir.resolve("ref"), 2, arms, new RunOptions(1, 2, false), null);
    Path out = dir.resolve("killed");
    Random rnd = new Random(7);
    // 2 seeds x (2 + 4 + 2 x 6) = 36 steps: kill twice at random steps, then finish.
    int total = 36;
    int first = 1 + rnd.nextInt(total / 2);
    int second = 1 + rnd.nextInt(total / 2);
    assertThrows(Killed.class, () -> run(out, 2, arms, new RunOptions(1, 2, false), killAfter(first)));
    assertThrows(Killed.class, () -> run(out, 2, arms, new RunOptions(2, 2, true), killAfter(second)));
    try (Stream<Path> files = Files.walk(out)) {
      assertTrue(files.anyMatch(p -> p.getFileName().toString().equals("result.json")),
          "some cells finished before the second kill");
    }
    AtomicInteger rerun = new AtomicInteger();
    StudyResults resumed = run(out, 2, arms, new RunOptions(1, 2, true),
        (cell, stage, step, loss) -> rerun.incrementAndGet());
    assertTrue(rerun.get() < total, "finished cells and checkpointed steps are not redone: " + rerun.get());
    assertEquals(numbers(reference), numbers(resumed));
    // Validation curves (every step here) survive the kills: the resumed run's equal the reference.
    for (SeedResult seed : resumed.perSeed()) {
      for (CellResult c : seed.arms()) {
        for (StageRecord st : c.stages()) {
          assertEquals(st.steps() + 1, st.validation().steps().length, c.arm() + "/" + st.stage());
          assertEquals(0, st.validation().steps()[0]);
        }
      }
    }
    try (Stream<Path> files = Files.walk(out)) {
      assertFalse(files.anyMatch(p -> p.getFileName().toString().equals("checkpoints")),
          "finished cells drop their checkpoints");
    }
    // Resuming with other settings is refused, naming the difference (fewer seeds, other arms).
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> run(out, 1, arms, new RunOptions(1, 2, true), null));
    assertTrue(e.getMessage().contains("seeds"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> run(out, 2, List.of(Arm.MOE_LLAVA), new RunOptions(1, 2, true), null));
    assertTrue(e.getMessage().contains("arms"), e.getMessage());
  }

  /**
   * A kill point found by killing the runs of the test above at every step: seed 2's moe-llava
   * cell killed at its step 2 resumes from its step-2 checkpoint, and step 2 routes no token to
   * some expert. That expert trained before (it has AdamW moments) and moves by its momentum in
   * the uninterrupted run; the resumed run must move it too (it once was skipped, for want of a
   * gradient buffer in the fresh model: losses off by up to 1.2e-3).
   */
  @Test
  void aCellResumedBeforeAStepThatLeavesAnExpertWithoutTokensEndsAsAnUninterruptedOne(
      @TempDir Path dir) throws Exception {
    List<Arm> arms = List.of(Arm.MOE_LLAVA);
    StudyResults reference = runSeed2(dir.resolve("ref"), arms, false, null);
    Path out = dir.resolve("killed");
    assertThrows(Killed.class, () -> runSeed2(out, arms, false, (cell, stage, step, loss) -> {
      if (cell.equals("seed-2/moe-llava") && step == 2) {
        throw new Killed();
      }
    }));
    List<Integer> rerun = new ArrayList<>();
    StudyResults resumed = runSeed2(out, arms, true, (cell, stage, step, loss) -> rerun.add(step));
    assertEquals(List.of(2, 3, 4, 5), rerun, "the cell continues from its step-2 checkpoint");
    assertEquals(numbers(reference), numbers(resumed));
  }

  /** One seed, seed 2, one job, a checkpoint every 2 steps. */
  private static StudyResults runSeed2(Path out, List<Arm> arms, boolean resume, StepListener l)
      throws Exception {
    DemoSettings s = TinySettings.of(out, 1).withSeed(2);
    return new StudyRunner(new StudyPlan("study", s, arms), out, new RunOptions(1, 2, resume), l,
        ModelSaver.none(), new PrintStream(new ByteArrayOutputStream())).run("test");
  }

  @Test
  void aResumedRunWithMoreSeedsTrainsOnlyTheNewSeedsAndEqualsARunStartedWithThem(@TempDir Path dir)
      throws Exception {
    List<Arm> arms = List.of(Arm.MOE_LLAVA, Arm.EVOMOE);
    StudyResults reference = run(dir.resolve("ref"), 3, arms, new RunOptions(2, 50, false), null);
    Path out = dir.resolve("grown");
    run(out, 2, arms, new RunOptions(2, 50, false), null);
    Map<String, AtomicInteger> trainedSteps = new ConcurrentHashMap<>();
    StudyResults grown = run(out, 3, arms, new RunOptions(2, 50, true),
        (cell, stage, step, loss) -> trainedSteps.computeIfAbsent(cell, k -> new AtomicInteger())
            .incrementAndGet());
    assertEquals(numbers(reference), numbers(grown));
    assertFalse(trainedSteps.isEmpty(), "the third seed trains");
    for (String cell : trainedSteps.keySet()) {
      assertTrue(cell.startsWith("seed-3/"), "only the new seed's cells train, not " + cell);
    }
  }

  private static final class Killed extends RuntimeException {
    Killed() {
      super("killed");
    }
  }

  private static StepListener killAfter(int steps) {
    AtomicInteger n = new AtomicInteger();
    return (cell, stage, step, loss) -> {
      if (n.incrementAndGet() == steps) {
        throw new Killed();
      }
    };
  }
}
