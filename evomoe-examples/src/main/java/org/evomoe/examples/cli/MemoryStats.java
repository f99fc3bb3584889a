package org.evomoe.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Process memory figures from /proc (Linux); -1 where unavailable. */
final class MemoryStats {
  private MemoryStats() {}

  /** Peak resident set size (VmHWM) in MiB. */
  static double peakRssMiB() {
    return field("VmHWM:") / 1024.0;
  }

  private static long field(String name) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(name)) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
