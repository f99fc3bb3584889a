package org.evomoe.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.evomoe.checkpoint.AtomicFiles;
import org.evomoe.examples.checkpoint.FileKinds;
import org.evomoe.examples.checkpoint.Sha256;
import org.evomoe.examples.study.StudyPlan;

/**
 * {@code OUT/manifest.json}, written last by a run that finished: which run wrote the folder and
 * every file it wrote, with its SHA-256. A folder without it holds an unfinished run (killed, or
 * still running); a file whose hash differs from its entry, or that has no entry, is not the
 * finished run's.
 *
 * @param version 1
 * @param runId a random id of the run
 * @param command the command line
 * @param mode how the output folder was used: fresh, overwrite or resume
 * @param startedAt ISO-8601 instant the run started
 * @param finishedAt ISO-8601 instant it finished
 * @param settings what the run was asked to do (the plan: kind, settings and arms)
 * @param files every file the run wrote, by path relative to the folder ({@code /} separated),
 *     in path order
 */
public record RunManifest(
    int version,
    String runId,
    String command,
    String mode,
    String startedAt,
    String finishedAt,
    StudyPlan settings,
    List<FileEntry> files) {
  /** The file name in the output folder. */
  public static final String NAME = "manifest.json";
  /** The {@code version} field. */
  public static final int VERSION = 1;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * One file of the run.
   *
   * @param path relative to the output folder, {@code /} separated
   * @param bytes its size
   * @param sha256 SHA-256 of its content, lower-case hex
   */
  public record FileEntry(String path, long bytes, String sha256) {}

  public RunManifest {
    files = files == null ? List.of() : List.copyOf(files);
  }

  /** The entries by path. */
  Map<String, FileEntry> byPath() {
    Map<String, FileEntry> m = new TreeMap<>();
    files.forEach(f -> m.put(f.path(), f));
    return m;
  }

  /** Writes {@code dir/manifest.json} atomically. */
  void write(Path dir) throws IOException {
    AtomicFiles.write(dir.resolve(NAME), o -> JSON.writeValue(o, this));
  }

  /**
   * The manifest of a folder, or empty when it has none.
   *
   * @throws IOException when it exists but cannot be read as a manifest
   */
  static Optional<RunManifest> read(Path dir) throws IOException {
    Path file = dir.resolve(NAME);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    FileKinds.requireRegularFile(file, NAME);
    try {
      return Optional.of(StrictJson.MAPPER.readValue(file.toFile(), RunManifest.class));
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IOException(file + " is not a valid run manifest: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * What is wrong with {@code file} (under {@code dir}) with respect to this finished run, or
   * null when it is the run's: "not part of the run" or "changed since the run wrote it".
   */
  String problem(Path dir, Path file) throws IOException {
    String rel = dir.toAbsolutePath().normalize().relativize(file.toAbsolutePath().normalize())
        .toString().replace('\\', '/');
    FileEntry e = byPath().get(rel);
    if (e == null) {
      return rel + " is not one of the files of the finished run recorded in " + NAME
          + " (it is left from another run)";
    }
    if (Files.size(file) != e.bytes() || !Sha256.of(file).equals(e.sha256())) {
      return rel + " has changed since the run recorded in " + NAME + " wrote it (another run"
          + " or an edit replaced it)";
    }
    return null;
  }
}
