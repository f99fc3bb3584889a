package org.evomoe.examples.cli;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.evomoe.examples.checkpoint.FileKinds;
import org.evomoe.examples.checkpoint.Sha256;
import org.evomoe.examples.study.StudyPlan;

/**
 * The output folder of a training run ({@code demo}, {@code train}, {@code study}) and the policy
 * for one that already holds files.
 *
 * <ul>
 *   <li>{@link Mode#FRESH} (default): the folder must be absent or empty; a folder holding
 *       anything is refused before any work, so nothing of the user's is overwritten.
 *   <li>{@link Mode#OVERWRITE} ({@code --overwrite}): the run replaces the files it writes
 *       (results.json, report, models, its cells); other files in the folder are left alone.
 *   <li>{@link Mode#RESUME} ({@code --resume}): the pipeline continues the run the folder holds.
 * </ul>
 *
 * {@link #prepare} runs before any training: it checks the folder is a folder and writable
 * (a read-only file system or missing permission is reported then, naming the cause), removes the
 * previous run's {@link RunManifest} (the folder is unfinished until this run writes its own) and
 * deletes the stale temporary files that saves killed mid-write leave ({@code .NAME.RANDOM.tmp},
 * the naming of {@link org.evomoe.checkpoint.AtomicFiles}) in the folders a run writes. {@link
 * #finish} writes the manifest last.
 */
public final class OutputFolder {
  /** How a run treats an output folder that already holds files. */
  public enum Mode {
    /** Refuse a folder that holds anything. */
    FRESH,
    /** Replace the files a run writes; leave the others. */
    OVERWRITE,
    /** Continue the run in the folder. */
    RESUME
  }

  /** AtomicFiles' temporary files: "." + target name + "." + random base-36 + ".tmp". */
  static final Pattern STALE_TEMP = Pattern.compile("^\\..+\\.[0-9a-z]{1,13}\\.tmp$");

  /** The sub-folders a run writes (besides the folder itself), searched for stale temp files. */
  private static final List<String> RUN_FOLDERS = List.of("models", "cells");

  private final Path dir;
  private final Mode mode;
  private final Instant started;
  private final int staleRemoved;

  private OutputFolder(Path dir, Mode mode, Instant started, int staleRemoved) {
    this.dir = dir;
    this.mode = mode;
    this.started = started;
    this.staleRemoved = staleRemoved;
  }

  /**
   * Checks and prepares {@code dir} for a run in {@code mode}; creates it when absent.
   *
   * @throws IllegalArgumentException when the folder holds files and the mode is {@link
   *     Mode#FRESH}, or when it is a file
   * @throws IOException naming the folder and the cause when it cannot be created or written
   */
  public static OutputFolder prepare(Path dir, Mode mode) throws IOException {
    Instant started = Instant.now();
    if (Files.exists(dir)) {
      FileKinds.requireDirectory(dir, "--out");
      if (mode == Mode.FRESH) {
        List<String> entries = entries(dir);
        if (!entries.isEmpty()) {
          throw new IllegalArgumentException("--out " + dir + " already holds files ("
              + String.join(", ", entries) + "); choose an empty or new folder, or add"
              + " --overwrite to replace what a run writes, or --resume to continue the run there");
        }
      }
    } else {
      try {
        Files.createDirectories(dir);
      } catch (FileSystemException e) {
        throw new IOException("cannot create the output folder " + dir + ": "
            + ErrorMessages.describe(e), e);
      }
    }
    probeWritable(dir);
    if (mode != Mode.FRESH) {
      Files.deleteIfExists(dir.resolve(RunManifest.NAME));
    }
    int removed = removeStaleTemps(dir);
    return new OutputFolder(dir, mode, started, removed);
  }

  /** The folder. */
  public Path dir() {
    return dir;
  }

  /** The mode it was prepared in. */
  public Mode mode() {
    return mode;
  }

  /** How many stale temporary files {@link #prepare} removed. */
  public int staleTempsRemoved() {
    return staleRemoved;
  }

  /**
   * Writes the manifest: every file under the folder (outside {@code cells/}) that this run wrote,
   * i.e. modified since {@link #prepare}, with its SHA-256.
   *
   * @param settings what the run was asked to do
   */
  public RunManifest finish(String command, StudyPlan settings) throws IOException {
    List<RunManifest.FileEntry> files = new ArrayList<>();
    FileTime since = FileTime.from(started.minusMillis(1));
    Path cells = dir.resolve("cells");
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted().toList()) {
        if (p.startsWith(cells) || !Files.isRegularFile(p) || p.getFileName().toString().equals(RunManifest.NAME)
            || STALE_TEMP.matcher(p.getFileName().toString()).matches()
            || Files.getLastModifiedTime(p).compareTo(since) < 0) {
          continue;
        }
        files.add(new RunManifest.FileEntry(dir.relativize(p).toString().replace('\\', '/'),
            Files.size(p), Sha256.of(p)));
      }
    }
    RunManifest m = new RunManifest(RunManifest.VERSION, UUID.randomUUID().toString(), command,
        mode.name().toLowerCase(java.util.Locale.ROOT), started.toString(), Instant.now().toString(),
        settings, files);
    m.write(dir);
    return m;
  }

  /** Up to 4 entries of a folder, for messages (empty when the folder is empty). */
  private static List<String> entries(Path dir) throws IOException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.sorted().limit(5).forEach(p -> out.add(p.getFileName() + (Files.isDirectory(p) ? "/" : "")));
    }
    if (out.size() == 5) {
      out.set(4, "...");
    }
    return out;
  }

  /** Creates and deletes a file in the folder: a read-only folder fails here, before any work. */
  private static void probeWritable(Path dir) throws IOException {
    Path probe = dir.resolve(".evomoe-write-test."
        + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
    try {
      Files.newByteChannel(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
      Files.delete(probe);
    } catch (FileSystemException e) {
      String cause = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
          : e.getReason() == null ? ErrorMessages.describe(e) : e.getReason().toLowerCase(java.util.Locale.ROOT);
      throw new IOException("cannot write to the output folder " + dir + ": " + cause, e);
    }
  }

  /** Deletes AtomicFiles' temporary files in the folders a run writes; returns how many. */
  private static int removeStaleTemps(Path dir) throws IOException {
    int removed = removeStaleIn(dir, 1);
    for (String sub : RUN_FOLDERS) {
      Path p = dir.resolve(sub);
      if (Files.isDirectory(p) && !Files.isSymbolicLink(p)) {
        removed += removeStaleIn(p, 6);
      }
    }
    return removed;
  }

  private static int removeStaleIn(Path dir, int depth) throws IOException {
    int removed = 0;
    List<Path> stale;
    try (Stream<Path> s = Files.walk(dir, depth)) {
      stale = s.filter(p -> STALE_TEMP.matcher(p.getFileName().toString()).matches())
          .filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .toList();
    }
    for (Path p : stale) {
      try {
        Files.delete(p);
        removed++;
      } catch (NoSuchFileException e) {
        // Gone already.
      }
    }
    return removed;
  }
}
