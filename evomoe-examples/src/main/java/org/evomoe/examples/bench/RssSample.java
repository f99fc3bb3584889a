package org.evomoe.examples.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One line of a benchmark's {@code --rss-every} output: the process's resident memory after a
 * step (or a generated token).
 *
 * @param bench {@code train-rss} or {@code generate-rss}
 * @param step steps (or tokens) done so far
 * @param rssMiB resident set size now (VmRSS), MiB
 * @param peakRssMiB highest resident set size of the process so far (VmHWM), MiB
 * @param heapCommittedMiB memory the Java heap holds from the system now, MiB (part of the RSS)
 * @param offHeapMiB native memory allocated through JavaCPP's counted allocator now, MiB (ND4J's
 *     small shape buffers; its data buffers and workspaces are allocated by the native library and
 *     not counted: their share of the RSS is {@code rssMiB - heapCommittedMiB} minus the JVM's own)
 * @param elapsedS seconds since the first step started
 */
public record RssSample(String bench, long step, double rssMiB, double peakRssMiB,
    double heapCommittedMiB, double offHeapMiB, double elapsedS) {
  private static final double MIB = 1024.0 * 1024.0;

  /**
   * A sample of this process now; -1 for both RSS sizes where /proc is missing. The peak is at
   * least the current size: the kernel folds its per-CPU RSS counters into VmHWM lazily, so a
   * reading can show VmHWM a few pages below VmRSS.
   */
  static RssSample now(String bench, long step, double elapsedS) {
    long rss = procKiB("VmRSS:");
    long peak = rss < 0 ? -1 : Math.max(rss, procKiB("VmHWM:"));
    return new RssSample(bench, step, rss / 1024.0, peak / 1024.0,
        Runtime.getRuntime().totalMemory() / MIB,
        org.bytedeco.javacpp.Pointer.totalBytes() / MIB, elapsedS);
  }

  /** A field of /proc/self/status in KiB, or -1. */
  static long procKiB(String field) {
    Path status = Path.of("/proc/self/status");
    if (!Files.exists(status)) {
      return -1;
    }
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + status, e);
    }
    return -1;
  }
}
