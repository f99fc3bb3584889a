package org.evomoe.examples.bench;

import org.evomoe.examples.proc.ProcStatus;

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
   * A sample of this process now, from {@link ProcStatus}: -1 for a size /proc does not give (both
   * where /proc is missing). The peak is at least the current size ({@link
   * ProcStatus#peakRssMiB}).
   */
  static RssSample now(String bench, long step, double elapsedS) {
    ProcStatus status = ProcStatus.self();
    return new RssSample(bench, step, status.rssMiB(-1), status.peakRssMiB(-1),
        Runtime.getRuntime().totalMemory() / MIB,
        org.bytedeco.javacpp.Pointer.totalBytes() / MIB, elapsedS);
  }
}
