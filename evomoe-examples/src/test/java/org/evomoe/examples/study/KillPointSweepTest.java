package org.evomoe.examples.study;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.tensor.Threads;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runs of {@link StudyRunnerTest#aKilledRunResumesToTheNumbersOfAnUninterruptedRun} (2 seeds,
 * moe-llava and evomoe, a checkpoint every 2 steps) killed at every kill point in turn, each
 * resumed and compared with the uninterrupted run. Opt-in, several minutes: {@code mvn -pl
 * evomoe-examples -am test -Dtest=KillPointSweepTest -Devomoe.killSweep=true
 * -Dsurefire.failIfNoSpecifiedTests=false}. The kill points that mattered are pinned in {@link
 * StudyRunnerTest}.
 */
class KillPointSweepTest {
  private static final List<Arm> ARMS = List.of(Arm.MOE_LLAVA, Arm.EVOMOE);
  private static final int SEEDS = 2;
  /** 2 seeds x (2 + 4 + 2 x 6) steps. */
  private static final int TOTAL = 36;

  @BeforeAll
  static void oneThread() {
    Threads.set(1);
  }

  private static final class Killed extends RuntimeException {
    Killed() {
      super("killed");
    }
  }

  private static StudyResults run(Path out, RunOptions o, StepListener l) throws Exception {
    DemoSettings s = TinySettings.of(out, SEEDS);
    return new StudyRunner(new StudyPlan("study", s, ARMS), out, o, l, ModelSaver.none(),
        new PrintStream(new ByteArrayOutputStream())).run("test");
  }

  /** One job: killed after its k-th step (k = 1..36), then resumed with one job. */
  @Test
  void everyStepOfOneJob(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("evomoe.killSweep"), "opt-in: -Devomoe.killSweep=true");
    JsonNode reference = StudyRunnerTest.numbers(run(dir.resolve("ref"), new RunOptions(1, 2, false), null));
    List<String> wrong = new ArrayList<>();
    for (int k = 1; k <= TOTAL; k++) {
      Path out = dir.resolve("k" + k);
      AtomicInteger n = new AtomicInteger();
      String[] where = new String[1];
      int kill = k;
      try {
        run(out, new RunOptions(1, 2, false), (cell, stage, step, loss) -> {
          if (n.incrementAndGet() == kill) {
            where[0] = cell + " " + stage + " step " + step;
            throw new Killed();
          }
        });
        wrong.add("k=" + k + ": not killed");
        continue;
      } catch (Killed expected) {
        // the kill
      }
      JsonNode resumed = StudyRunnerTest.numbers(run(out, new RunOptions(1, 2, true), null));
      if (!reference.equals(resumed)) {
        wrong.add("k=" + k + " (" + where[0] + "): " + differences(reference, resumed));
      }
    }
    assertEquals(List.of(), wrong);
  }

  /**
   * Two jobs: killed at step n (1..6) of one cell, wherever the other job is then; resumed with
   * one job.
   */
  @Test
  void everyStepOfACellRunningBesideAnother(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("evomoe.killSweep"), "opt-in: -Devomoe.killSweep=true");
    JsonNode reference = StudyRunnerTest.numbers(run(dir.resolve("ref"), new RunOptions(1, 2, false), null));
    List<String> wrong = new ArrayList<>();
    int i = 0;
    for (String cell : System.getProperty("evomoe.killSweep.cells",
        "seed-1/stage1,seed-2/stage1,seed-1/moe-llava,seed-1/evomoe,seed-2/moe-llava,seed-2/evomoe")
        .split(",")) {
      for (int n = 1; n <= 6; n++) {
        Path out = dir.resolve("p" + i++);
        AtomicInteger steps = new AtomicInteger();
        int kill = n;
        try {
          run(out, new RunOptions(2, 2, false), (c, stage, step, loss) -> {
            if (c.equals(cell) && steps.incrementAndGet() == kill) {
              throw new Killed();
            }
          });
          wrong.add(cell + " step " + n + ": not killed");
          continue;
        } catch (Killed expected) {
          // the kill
        }
        JsonNode resumed = StudyRunnerTest.numbers(run(out, new RunOptions(1, 2, true), null));
        if (!reference.equals(resumed)) {
          wrong.add(cell + " step " + n + ": " + differences(reference, resumed));
        }
      }
    }
    assertEquals(List.of(), wrong);
  }

  /** The first few numbers that differ, by path, and the largest difference. */
  static String differences(JsonNode a, JsonNode b) {
    List<String> out = new ArrayList<>();
    double[] max = {0};
    walk("", a, b, out, max);
    return "max |difference| " + max[0] + " " + out;
  }

  private static void walk(String path, JsonNode a, JsonNode b, List<String> out, double[] max) {
    if (b == null) {
      out.add(path + " missing");
    } else if (a.isNumber() && b.isNumber()) {
      if (Double.compare(a.asDouble(), b.asDouble()) != 0) {
        max[0] = Math.max(max[0], Math.abs(a.asDouble() - b.asDouble()));
        if (out.size() < 8) {
          out.add(path + " " + a.asDouble() + " vs " + b.asDouble());
        }
      }
    } else if (a.isObject()) {
      for (Iterator<String> it = a.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        walk(path + "." + f, a.get(f), b.get(f), out, max);
      }
    } else if (a.isArray()) {
      for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
        walk(path + "[" + i + "]", a.get(i), b.get(i), out, max);
      }
      if (a.size() != b.size()) {
        out.add(path + " length " + a.size() + " vs " + b.size());
      }
    } else if (!a.equals(b) && out.size() < 8) {
      out.add(path + " " + a + " vs " + b);
    }
  }
}
