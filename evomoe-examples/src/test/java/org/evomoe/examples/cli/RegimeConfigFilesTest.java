package org.evomoe.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.examples.pipeline.TaskMix;
import org.evomoe.examples.study.Arm;
import org.junit.jupiter.api.Test;

/**
 * The {@code train --config} files of docs/regime-sweep.md (docs/regime/*.train.json) bind to
 * valid settings whose arms keep Stage I's tasks, and name only known arms; the one-mix file gives
 * the settings of the study before the task split (every stage on every task, Stage I 700 steps).
 */
class RegimeConfigFilesTest {
  @Test
  void recommendedConfigsBind() throws Exception {
    Path dir = docs().resolve("regime");
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(f -> f.getFileName().toString().endsWith(".train.json")).sorted().toList();
    }
    assertFalse(files.isEmpty(), "no *.train.json in " + dir);
    for (Path f : files) {
      Bound b = bind(f);
      TrainConfig tc = b.config();
      DemoSettings s = b.settings();
      if (tc.arms() != null) {
        for (String a : tc.arms()) {
          assertNotNull(Arm.of(a), a);
        }
      }
      // The arms' mix adds to Stage I's: no task Stage I learnt is dropped after it.
      assertTrue(s.armTasks().tasks().containsAll(s.stage1Tasks().tasks()), f.toString());
    }
  }

  @Test
  void theOneMixFileGivesThePreviousStudy() throws Exception {
    Bound b = bind(docs().resolve("regime/one-mix.train.json"));
    TrainConfig tc = b.config();
    DemoSettings s = b.settings();
    DemoSettings before = DemoSettings.study(false).withTasks(TaskMix.all(), TaskMix.all())
        .withSteps(s.alignSteps(), 700, s.stage2Steps(), s.stage3Steps()).withOut(s.out());
    assertEquals(before, s);
    assertEquals(Arm.values().length, tc.arms().size());
  }

  @Test
  void theDemo721eb99FileGivesTheDemoAsItWasBeforeTheSpeedWork() throws Exception {
    // docs/performance.md, "The demo before and after the speed work": the demo's defaults at
    // commit 721eb99 (one seed; alignment 100, Stage I 700, arms 250 + 250 steps, all on every
    // task; lr 3e-3 then 1e-3; validation on 256 samples every 50 steps), run by today's build.
    Bound b = bind(docs().resolve("regime/demo-721eb99.train.json"));
    TrainConfig tc = b.config();
    DemoSettings s = b.settings();
    assertEquals(List.of("dense", "moe-llava", "evomoe"), tc.arms());
    assertEquals(1, s.seeds());
    assertEquals(List.of(100, 700, 250, 250),
        List.of(s.alignSteps(), s.stage1Steps(), s.stage2Steps(), s.stage3Steps()));
    assertEquals(3e-3, s.lr());
    assertEquals(1e-3, s.lrAfter());
    assertEquals(256, s.validationSamples());
    assertEquals(50, s.validationEvery());
    assertEquals(TaskMix.all(), s.stage1Tasks());
    assertEquals(TaskMix.all(), s.armTasks());
    DemoSettings model = DemoSettings.defaults(false);
    assertEquals(List.of(model.dModel(), model.layers(), model.ffnHidden(), model.experts()),
        List.of(s.dModel(), s.layers(), s.ffnHidden(), s.experts()), "the demo's model");
  }

  /** A config file as {@code train --config} reads it, and the settings it gives. */
  private record Bound(TrainConfig config, DemoSettings settings) {}

  private static Bound bind(Path f) throws Exception {
    String where = "--config " + f;
    TrainConfig tc = StrictJson.bind(StrictJson.readObject(f, "--config"), TrainConfig.class,
        where, "");
    return new Bound(tc, TrainCommand.settings(tc, where));
  }

  private static Path docs() {
    Path d = Path.of("").toAbsolutePath();
    while (d != null && !Files.isRegularFile(d.resolve("docs/regime-sweep.md"))) {
      d = d.getParent();
    }
    assertNotNull(d, "docs/regime-sweep.md not found above the working folder");
    return d.resolve("docs");
  }
}
