package org.evomoe.examples.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
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

  @Mixin RunFlags run;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(config)) {
      throw new IllegalArgumentException("--config " + config + " is not a file");
    }
    ObjectMapper om = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    JsonNode root;
    try {
      root = om.readTree(config.toFile());
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IllegalArgumentException("config " + config + " is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("config " + config + " must be a JSON object");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!List.of("quick", "arms", "settings").contains(f)) {
        throw new IllegalArgumentException("config " + config + ": unknown field '" + f
            + "' (expected quick, arms, settings)");
      }
    }
    boolean quick = root.path("quick").asBoolean(false);
    List<Arm> arms = new ArrayList<>(Arm.DEMO);
    if (root.has("arms")) {
      if (!root.get("arms").isArray()) {
        throw new IllegalArgumentException("config " + config + ": arms must be a list of arm names");
      }
      arms.clear();
      for (JsonNode a : root.get("arms")) {
        if (!a.isTextual()) {
          throw new IllegalArgumentException("config " + config + ": arms must be a list of arm names, got " + a);
        }
        arms.add(Arm.of(a.textValue()));
      }
    }
    ObjectNode settings = om.valueToTree(DemoSettings.defaults(quick));
    if (root.has("settings")) {
      if (!root.get("settings").isObject()) {
        throw new IllegalArgumentException("config " + config + ": settings must be an object");
      }
      root.get("settings").fields().forEachRemaining(e -> {
        if (!settings.has(e.getKey())) {
          throw new IllegalArgumentException("config " + config + ": unknown setting '" + e.getKey()
              + "', expected one of " + iterable(settings.fieldNames()));
        }
        settings.set(e.getKey(), e.getValue());
      });
    }
    DemoSettings s;
    try {
      s = om.treeToValue(settings, DemoSettings.class);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IllegalArgumentException("config " + config + ": " + e.getOriginalMessage());
    }
    if (out != null) {
      s = s.withOut(out);
    }
    RunOptions o = run.apply();
    PipelineRun.execute(new StudyPlan("train", s, arms), o, "train --config " + config);
    return 0;
  }

  private static List<String> iterable(Iterator<String> it) {
    List<String> l = new ArrayList<>();
    it.forEachRemaining(l::add);
    return l;
  }
}
