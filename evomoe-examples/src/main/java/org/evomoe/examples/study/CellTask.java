package org.evomoe.examples.study;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.evomoe.examples.pipeline.DemoPipeline;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.tensor.Threads;

/**
 * One cell of a study as a unit of work for another JVM (a Spark executor): the plan's settings,
 * the seed, the arm, the thread count, and for an arm its seed's Stage I weights. {@link #run}
 * trains the cell there with the code of the runner's own cells ({@link CellTraining}); its
 * checkpoints go to a temporary folder of that JVM, deleted afterwards (a cell interrupted there
 * is trained again from its start).
 *
 * @param settingsJson the plan's {@link DemoSettings} (without the output folder) as JSON
 * @param seed the cell's seed
 * @param arm the arm, or null for the seed's alignment and Stage I
 * @param threads the CPU threads the cell trains with (as in the runner's JVM)
 * @param stage1Weights an arm: the bytes of its seed's Stage I weights.safetensors; Stage I: null
 */
public record CellTask(String settingsJson, long seed, Arm arm, int threads, byte[] stage1Weights)
    implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The seeds' pipelines of this JVM, by the settings (with the seed) they were built from. */
  private static final Map<String, DemoPipeline> PIPELINES = new ConcurrentHashMap<>();

  public CellTask {
    if (settingsJson == null || settingsJson.isEmpty()) {
      throw new IllegalArgumentException("a cell task needs the plan's settings");
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    if ((arm == null) != (stage1Weights == null)) {
      throw new IllegalArgumentException(arm == null
          ? "a Stage I cell takes no Stage I weights"
          : "the cell of arm " + arm.armName() + " needs its seed's Stage I weights");
    }
  }

  /** The cell's name, as the runner's listener sees it ("seed-1/stage1", "seed-1/evomoe"). */
  public String name() {
    return "seed-" + seed + "/" + (arm == null ? "stage1" : arm.armName());
  }

  /** The task of a cell of {@code plan}'s settings. */
  static CellTask of(DemoSettings planSettings, long seed, Arm arm, int threads,
      byte[] stage1Weights) {
    try {
      return new CellTask(JSON.writeValueAsString(planSettings.withOut(null)), seed, arm, threads,
          stage1Weights);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("demo settings cannot be written as JSON", e);
    }
  }

  /**
   * Trains the cell in this JVM and returns its output.
   *
   * @param listener told after every step (may throw to fail the cell)
   */
  public CellOutput run(StepListener listener) throws IOException {
    if (Threads.count() != threads) {
      Threads.set(threads);
    }
    DemoSettings s = JSON.readValue(settingsJson, DemoSettings.class);
    DemoPipeline p = pipeline(s.withSeed(seed));
    Path tmp = Files.createTempDirectory("evomoe-cell-");
    try {
      SavedModel[] saved = new SavedModel[1];
      ModelSaver capture = (name, model, pipeline) ->
          saved[0] = SavedModel.of(name, model, pipeline, tmp.resolve("models"));
      // Checkpoints only at the ends of stages: nothing resumes from them here.
      int every = Integer.MAX_VALUE;
      Path checkpoints = tmp.resolve("checkpoints");
      if (arm == null) {
        Path weights = tmp.resolve("weights.safetensors");
        Stage1Result r = CellTraining.stage1(s, p, seed, checkpoints, weights, every, listener,
            StageSteps.LOCAL, capture);
        return new CellOutput(JSON.writeValueAsString(r), Files.readAllBytes(weights), saved[0]);
      }
      Path weights = tmp.resolve("stage1.safetensors");
      Files.write(weights, stage1Weights);
      CellResult r = CellTraining.arm(s, p, seed, arm, weights, checkpoints, every, listener,
          StageSteps.LOCAL, capture);
      return new CellOutput(JSON.writeValueAsString(r), null, saved[0]);
    } finally {
      ResumableStages.deleteRecursively(tmp);
    }
  }

  private static DemoPipeline pipeline(DemoSettings seedSettings) throws IOException {
    String key = JSON.writeValueAsString(seedSettings);
    try {
      return PIPELINES.computeIfAbsent(key, k -> {
        try {
          return new DemoPipeline(seedSettings);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
