package org.evomoe.examples.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.evomoe.examples.checkpoint.ModelCheckpoint;

/**
 * Checks that files read from a run's output folder belong to the finished run its {@link
 * RunManifest} records: a file that is not listed or whose hash differs is refused (the folder
 * mixes runs); a run folder without a manifest (a killed or still running run) is flagged with a
 * warning.
 */
final class RunConsistency {
  private RunConsistency() {}

  /**
   * Checks {@code results.json} (or another file) directly in a run's folder.
   *
   * @throws IllegalArgumentException when the folder's manifest does not list the file as it is
   */
  static void checkRunFile(Path file, PrintStream warnings) throws IOException {
    Path dir = file.toAbsolutePath().normalize().getParent();
    if (isRunFolder(dir)) {
      check(dir, file, warnings);
    }
  }

  /**
   * Checks a model folder {@code OUT/models/NAME}; folders elsewhere (copied out of a run) are
   * not checked.
   */
  static void checkModelFolder(Path modelDir, PrintStream warnings) throws IOException {
    Path abs = modelDir.toAbsolutePath().normalize();
    Path models = abs.getParent();
    if (models == null || models.getFileName() == null
        || !models.getFileName().toString().equals("models") || models.getParent() == null) {
      return;
    }
    Path run = models.getParent();
    if (!isRunFolder(run)) {
      return;
    }
    for (String f : new String[] {ModelCheckpoint.CONFIG_FILE, ModelCheckpoint.TOKENIZER_FILE,
        ModelCheckpoint.WEIGHTS_FILE}) {
      if (!check(run, abs.resolve(f), warnings)) {
        return; // warned once
      }
    }
  }

  /** A folder a training run wrote: it has a manifest, or the run's cells or models. */
  private static boolean isRunFolder(Path dir) {
    return Files.exists(dir.resolve(RunManifest.NAME)) || Files.isDirectory(dir.resolve("cells"))
        || Files.isDirectory(dir.resolve("models"));
  }

  /** @return false when there is no manifest (warned) */
  private static boolean check(Path run, Path file, PrintStream warnings) throws IOException {
    Optional<RunManifest> m = RunManifest.read(run);
    if (m.isEmpty()) {
      warnings.println("warning: " + run + " has no " + RunManifest.NAME + ": the run that wrote"
          + " it did not finish, so its files may come from different runs");
      return false;
    }
    String problem = m.get().problem(run, file);
    if (problem != null) {
      throw new IllegalArgumentException("in " + run + ", " + problem
          + "; the folder mixes the files of different runs");
    }
    return true;
  }
}
