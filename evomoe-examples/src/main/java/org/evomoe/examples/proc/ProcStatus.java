package org.evomoe.examples.proc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The resident-memory fields of a Linux {@code /proc/<pid>/status} file, the one place that reads
 * them: {@code VmRSS} (resident set size now) and {@code VmHWM} (its high-water mark), in KiB.
 * A field the text does not hold is empty (a kernel without it, or no {@code /proc} at all).
 *
 * @param vmRssKiB VmRSS, KiB
 * @param vmHwmKiB VmHWM, KiB
 */
public record ProcStatus(OptionalLong vmRssKiB, OptionalLong vmHwmKiB) {
  /** This process's status file. */
  public static final Path SELF = Path.of("/proc/self/status");

  private static final double KIB_PER_MIB = 1024.0;

  public ProcStatus {
    if (vmRssKiB == null || vmHwmKiB == null) {
      throw new IllegalArgumentException("absent fields are OptionalLong.empty(), not null");
    }
  }

  /**
   * This process's status now; both fields empty where {@link #SELF} does not exist (not Linux).
   *
   * @throws UncheckedIOException when the file exists but cannot be read
   * @throws IllegalArgumentException when a field's line is malformed
   */
  public static ProcStatus self() {
    return read(SELF);
  }

  /** The status file {@code file}; both fields empty where it does not exist. */
  static ProcStatus read(Path file) {
    if (!Files.exists(file)) {
      return new ProcStatus(OptionalLong.empty(), OptionalLong.empty());
    }
    try {
      return parse(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * Parses the text of a status file: lines {@code Name:<whitespace>value[ unit]}. The VmRSS and
   * VmHWM lines must read {@code <non-negative integer> kB}; other lines are ignored, and the
   * first line of a field counts.
   *
   * @throws IllegalArgumentException naming the line, when a VmRSS or VmHWM line is malformed
   */
  public static ProcStatus parse(String text) {
    OptionalLong rss = OptionalLong.empty();
    OptionalLong hwm = OptionalLong.empty();
    for (String line : text.split("\n", -1)) {
      if (rss.isEmpty() && line.startsWith("VmRSS:")) {
        rss = OptionalLong.of(kib(line));
      } else if (hwm.isEmpty() && line.startsWith("VmHWM:")) {
        hwm = OptionalLong.of(kib(line));
      }
    }
    return new ProcStatus(rss, hwm);
  }

  private static long kib(String line) {
    String[] parts = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
    if (parts.length != 2 || !parts[1].equals("kB")) {
      throw new IllegalArgumentException("status line '" + line + "' is not '<name>: <count> kB'");
    }
    try {
      long v = Long.parseLong(parts[0]);
      if (v < 0) {
        throw new NumberFormatException("negative");
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("status line '" + line + "' holds no count of kB", e);
    }
  }

  /** VmRSS in MiB, or {@code ifUnknown} when the text had no VmRSS. */
  public double rssMiB(double ifUnknown) {
    return vmRssKiB.isPresent() ? vmRssKiB.getAsLong() / KIB_PER_MIB : ifUnknown;
  }

  /**
   * The process's peak resident size in MiB: VmHWM, but at least VmRSS (the kernel folds its
   * per-CPU RSS counters into VmHWM lazily, so VmHWM can read a few pages below VmRSS); {@code
   * ifUnknown} when the text had no VmHWM.
   */
  public double peakRssMiB(double ifUnknown) {
    if (vmHwmKiB.isEmpty()) {
      return ifUnknown;
    }
    return Math.max(vmHwmKiB.getAsLong(), vmRssKiB.orElse(0)) / KIB_PER_MIB;
  }
}
