package org.evomoe.examples.cli;

import java.nio.file.Path;
import org.evomoe.examples.pipeline.DemoSettings;

/** The flags that demo and study share on top of their default settings. */
final class Settings {
  private Settings() {}

  static DemoSettings common(DemoSettings s, long seed, Integer seeds, Path out, Path data,
      int[] steps) throws java.io.IOException {
    s = s.withSeed(seed);
    if (seeds != null) {
      s = s.withSeeds(seeds);
    }
    if (out != null) {
      s = s.withOut(out);
    }
    if (data != null) {
      org.evomoe.examples.checkpoint.FileKinds.requireDirectory(data, "--data");
      s = s.withDataDir(data);
    }
    if (steps != null) {
      if (steps.length != 4) {
        throw new IllegalArgumentException("--steps needs 4 values: alignment,stage1,stage2,stage3");
      }
      s = s.withSteps(steps[0], steps[1], steps[2], steps[3]);
    }
    return s;
  }
}
