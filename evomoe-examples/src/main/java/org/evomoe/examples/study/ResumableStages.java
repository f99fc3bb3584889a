package org.evomoe.examples.study;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.evomoe.checkpoint.AtomicFiles;
import org.evomoe.checkpoint.LoadOptions;
import org.evomoe.checkpoint.TrainingCheckpoint;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.pipeline.DemoPipeline;
import org.evomoe.examples.pipeline.ValidationLoss;
import org.evomoe.tensor.Parameter;
import org.evomoe.tuning.StageResult;
import org.evomoe.tuning.StageTrainer;
import org.evomoe.tuning.TrainerState;

/**
 * Runs a cell's stages in order with a {@link TrainingCheckpoint} every {@code every} steps and
 * at the end of every stage, under {@code root}; run again on the same root it continues from the
 * newest checkpoint and ends bit-identical to an uninterrupted run (weights, optimiser moments,
 * evolution sampler and curves are restored exactly; the batch of a step depends only on the
 * step).
 *
 * <p>Checkpoints are named {@code s<stage index>-<stage name>-<step, 6 digits>}. A stage whose
 * end checkpoint exists is not run again: its curves and weights are loaded from it. Older
 * in-stage checkpoints are deleted once a newer one is complete, and stale temporary folders of
 * killed saves are removed on start.
 */
final class ResumableStages {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();
  private final Path root;
  private final int every;
  private final String cell;
  private final StepListener listener;
  private final StageSteps stageSteps;
  private final Arm arm;

  /**
   * @param root the checkpoint folder of the cell
   * @param every steps between checkpoints, >= 1
   * @param cell the cell name, for the listener
   * @param steps where the micro-batches are computed
   * @param arm the cell's arm, null for Stage I
   */
  ResumableStages(Path root, int every, String cell, StepListener listener, StageSteps steps,
      Arm arm) {
    if (every < 1) {
      throw new IllegalArgumentException("checkpoint interval must be >= 1 step, got " + every);
    }
    this.root = root;
    this.every = every;
    this.cell = cell;
    this.listener = listener;
    this.stageSteps = steps;
    this.arm = arm;
  }

  /**
   * Runs (or resumes) every stage; returns their results in order and, by parameter name, the
   * parameters that trained in at least one stage.
   */
  Outcome run(VisionLanguageModel model, DemoPipeline pipeline, List<PlannedStage> stages)
      throws IOException {
    Files.createDirectories(root);
    removeStaleTemporaries();
    List<StageResult> results = new ArrayList<>();
    List<ValidationCurve> curves = new ArrayList<>();
    int validationEvery = pipeline.settings().validationEvery();
    Map<String, Long> trained = new LinkedHashMap<>();
    for (int i = 0; i < stages.size(); i++) {
      PlannedStage ps = stages.get(i);
      ValidationLoss validation = pipeline.validation(ps.pool()); // the stage's task mix
      int steps = ps.config().optim().steps();
      try (StageTrainer t = new StageTrainer(model, ps.config(), stageSteps.of(model, pipeline,
          DemoWorkload.of(pipeline, arm, ps.pool(), ps.offset())))) {
        for (Parameter p : model.parameters()) {
          if (p.trainable()) {
            trained.put(p.name(), p.length());
          }
        }
        Optional<Path> from = newest(i, ps.config().name());
        ValidationCurve curve = null;
        if (from.isPresent()) {
          TrainerState st = TrainingCheckpoint.load(from.get(), model.parameters(), LoadOptions.defaults());
          t.restoreState(st);
          listener.restored(cell, ps.config().name(), t.nextStep());
          curve = validation == null ? null : readCurve(from.get()).upTo(t.nextStep());
        } else if (validation != null) {
          // Stage 0 is measured with the stage's routing and freezing, as it will train.
          curve = new ValidationCurve(validation.size(), new int[] {0},
              new double[] {validation.measure(model)});
        }
        while (!t.done()) {
          double loss = t.step();
          int done = t.nextStep();
          listener.onStep(cell, ps.config().name(), done - 1, loss);
          listener.afterStep(cell, ps.config().name(), model);
          if (validation != null && (done % validationEvery == 0 || done == steps)) {
            curve = curve.plus(done, validation.measure(model));
          }
          if (done % every == 0 || done == steps) {
            save(model, t, i, curve);
          }
        }
        results.add(t.result());
        curves.add(curve);
      }
    }
    return new Outcome(results, curves, trained.values().stream().mapToLong(Long::longValue).sum());
  }

  /**
   * The stages' results, their validation curves (null entries when validation is off) and the
   * number of scalars that trained in any of them.
   */
  record Outcome(List<StageResult> stages, List<ValidationCurve> validation,
      long trainableParameters) {}

  /**
   * The validation curve of a checkpoint is saved beside its folder as {@code <name>}{@value
   * #CURVE}, written before the checkpoint, so a complete checkpoint always has its curve.
   */
  private static final String CURVE = ".validation.json";

  private static Path curveFile(Path checkpoint) {
    return checkpoint.resolveSibling(checkpoint.getFileName() + CURVE);
  }

  private static ValidationCurve readCurve(Path checkpoint) throws IOException {
    Path f = curveFile(checkpoint);
    if (!Files.isRegularFile(f)) {
      throw new IOException("checkpoint " + checkpoint + " has no " + CURVE
          + " although validation is on; it was written by a run without validation");
    }
    return JSON.readValue(f.toFile(), ValidationCurve.class);
  }

  private void save(VisionLanguageModel model, StageTrainer t, int index, ValidationCurve curve)
      throws IOException {
    String name = name(index, t.stage().name(), t.nextStep());
    Path target = root.resolve(name);
    if (Files.exists(target)) {
      // A save that completed but whose successors were lost: the same state, rewritten.
      deleteRecursively(target);
    }
    if (curve != null) {
      AtomicFiles.write(curveFile(target), o -> JSON.writeValue(o, curve));
    }
    TrainingCheckpoint.save(root, name, model.parameters(), t.exportState(), null);
    // Older checkpoints of this stage are superseded (stage ends of earlier stages are kept).
    String prefix = prefix(index, t.stage().name());
    for (Path p : list()) {
      String n = p.getFileName().toString();
      if (n.startsWith(prefix) && !n.equals(name)) {
        deleteRecursively(p);
        Files.deleteIfExists(curveFile(p));
      }
    }
  }

  /** The newest complete checkpoint of stage {@code index}, if any. */
  private Optional<Path> newest(int index, String stage) throws IOException {
    String prefix = prefix(index, stage);
    return list().stream()
        .filter(p -> p.getFileName().toString().startsWith(prefix))
        .max(Comparator.comparing(p -> p.getFileName().toString()));
  }

  private List<Path> list() throws IOException {
    try (Stream<Path> s = Files.list(root)) {
      return s.filter(Files::isDirectory)
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .toList();
    }
  }

  private void removeStaleTemporaries() throws IOException {
    try (Stream<Path> s = Files.list(root)) {
      for (Path p : s.toList()) {
        String n = p.getFileName().toString();
        if (n.startsWith(".tmp-") || n.endsWith(".tmp")) {
          deleteRecursively(p);
        }
      }
    }
  }

  static String prefix(int index, String stage) {
    return "s" + index + "-" + stage + "-";
  }

  static String name(int index, String stage, int step) {
    return prefix(index, stage) + String.format(Locale.ROOT, "%06d", step);
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
