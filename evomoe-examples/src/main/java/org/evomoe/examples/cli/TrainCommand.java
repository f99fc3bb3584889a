package org.evomoe.examples.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.examples.study.Arm;
import org.evomoe.examples.study.RunOptions;
import org.evomoe.examples.study.StudyPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code evomoe train --config FILE}: the pipeline with the arms and settings of a JSON file.
 *
 * <pre>{@code
 * {
 *   "quick": false,                       // start from the quick or the full demo defaults
 *   "arms": ["evomoe"],                   // any arm of evomoe study; [] stops after Stage I
 *   "settings": { "stage2Steps": 400, "seed": 3, "seeds": 2, "out": "runs/evomoe-400" }  // DemoSettings fields
 * }
 * }</pre>
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Run alignment, Stage I and the chosen arms from a JSON config file:",
      "  {\"quick\": false, \"arms\": [\"evomoe\"],",
      "   \"settings\": {\"stage2Steps\": 400, \"out\": \"runs/x\"}}",
      "settings may hold any field of the \"settings\" object of a results.json;",
      "unknown or mistyped fields are refused."
    })
public final class TrainCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, description = "JSON config file.")
  Path config;

  @Option(names = "--out", description = "Output folder (overrides settings.out).")
  Path out;

  @Mixin RunFlags run;

  @Mixin SparkFlags sparkFlags;

  @Override
  public Integer call() throws Exception {
    String where = "--config " + config;
    TrainConfig tc = StrictJson.bind(StrictJson.readObject(config, "--config"), TrainConfig.class,
        where, "");
    List<String> names = Arm.DEMO.stream().map(Arm::armName).toList();
    List<String> all = java.util.Arrays.stream(Arm.values()).map(Arm::armName).toList();
    List<Arm> arms = new ArrayList<>();
    for (String a : tc.arms() == null ? names : tc.arms()) {
      if (!all.contains(a)) {
        throw new IllegalArgumentException(where + ": unknown arm '" + a + "'"
            + StrictJson.suggestion(a, all));
      }
      arms.add(Arm.of(a));
    }
    DemoSettings s = settings(tc, where);
    if (out != null) {
      s = s.withOut(out);
    }
    sparkFlags.check(s, run.givenJobs(), SparkFlags.Split.STEPS);
    RunOptions o = run.apply(sparkFlags.enabled());
    sparkFlags.execute(new StudyPlan("train", s, arms), o, run.outputMode(),
        "train --config " + config);
    return 0;
  }

  /** The demo defaults with the file's settings over them, bound and validated strictly. */
  static DemoSettings settings(TrainConfig tc, String where) {
    ObjectNode merged = StrictJson.MAPPER.valueToTree(DemoSettings.defaults(tc.isQuick()));
    if (tc.settings() != null) {
      List<String> known = iterable(merged.fieldNames());
      for (Iterator<String> it = tc.settings().fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (!merged.has(name)) {
          throw new IllegalArgumentException(where + ": unknown setting 'settings." + name + "'"
              + StrictJson.suggestion(name, known));
        }
        merged.set(name, tc.settings().get(name));
      }
    }
    return StrictJson.bind(merged, DemoSettings.class, where, "settings.");
  }

  private static List<String> iterable(Iterator<String> it) {
    List<String> l = new ArrayList<>();
    it.forEachRemaining(l::add);
    return l;
  }
}
