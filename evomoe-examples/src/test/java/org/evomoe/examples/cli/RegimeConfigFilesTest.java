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
      String where = "--config " + f;
      TrainConfig tc = StrictJson.bind(StrictJson.readObject(f, "--config"), TrainConfig.class,
          where, "");
      DemoSettings s = TrainCommand.settings(tc, where);
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
    Path f = docs().resolve("regime/one-mix.train.json");
    String where = "--config " + f;
    TrainConfig tc = StrictJson.bind(StrictJson.readObject(f, "--config"), TrainConfig.class,
        where, "");
    DemoSettings s = TrainCommand.settings(tc, where);
    DemoSettings before = DemoSettings.study(false).withTasks(TaskMix.all(), TaskMix.all())
        .withSteps(s.alignSteps(), 700, s.stage2Steps(), s.stage3Steps()).withOut(s.out());
    assertEquals(before, s);
    assertEquals(Arm.values().length, tc.arms().size());
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
