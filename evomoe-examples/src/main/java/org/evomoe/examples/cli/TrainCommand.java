package org.evomoe.examples.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import org.evomoe.examples.pipeline.DemoPipeline;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.tensor.Threads;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code evomoe train --config FILE}: the pipeline with the arms and settings of a JSON file.
 *
 * <pre>{@code
 * {
 *   "quick": false,                       // start from the quick or the full demo defaults
 *   "arms": ["evomoe"],                   // any of dense, moe-llava, evomoe; [] stops after Stage I
 *   "settings": { "stage2Steps": 400, "seed": 3, "out": "runs/evomoe-400" }  // DemoSettings fields
 * }
 * }</pre>
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Run alignment, Stage I and the chosen arms from a JSON config file:",
      "{\"quick\": false, \"arms\": [\"evomoe\"], \"settings\": {\"stage2Steps\": 400, \"out\": \"runs/x\"}}",
      "settings may hold any field of the demo settings (see docs/demo-results.md)."
    })
public final class TrainCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, description = "JSON config file.")
  Path config;

  @Option(names = "--out", description = "Output folder (overrides settings.out).")
  Path out;

  @Option(names = "--threads", description = "CPU threads (default: number of cores).")
  Integer threads;

  @Override
  public Integer call() throws Exception {
    String where = "--config " + config;
    TrainConfig tc = StrictJson.bind(StrictJson.readObject(config, "--config"), TrainConfig.class,
        where, "");
    List<String> arms = tc.arms() == null ? DemoPipeline.ARMS : tc.arms();
    for (String a : arms) {
      if (!DemoPipeline.ARMS.contains(a)) {
        throw new IllegalArgumentException(where + ": unknown arm '" + a + "'"
            + StrictJson.suggestion(a, DemoPipeline.ARMS));
      }
    }
    DemoSettings s = settings(tc, where);
    if (out != null) {
      s = s.withOut(out);
    }
    if (threads != null && (threads < 1 || threads > 1024)) {
      throw new IllegalArgumentException("--threads must be in [1, 1024], got " + threads);
    }
    Threads.set(threads == null ? Runtime.getRuntime().availableProcessors() : threads);
    PipelineRun.execute(s, arms, "train --config " + config);
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
