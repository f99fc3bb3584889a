package org.evomoe.examples.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcStatusTest {
  private static String fixture() throws Exception {
    try (InputStream in = ProcStatusTest.class.getResourceAsStream("/proc/status.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** A JVM's status file whose VmHWM (523,980 kB) lags its VmRSS (524,012 kB), as the kernel allows. */
  @Test
  void readsVmRssAndVmHwmAndThePeakIsAtLeastTheCurrentSize() throws Exception {
    ProcStatus s = ProcStatus.parse(fixture());
    assertEquals(OptionalLong.of(524_012), s.vmRssKiB());
    assertEquals(OptionalLong.of(523_980), s.vmHwmKiB());
    assertEquals(524_012 / 1024.0, s.rssMiB(-1), 0.0);
    assertEquals(524_012 / 1024.0, s.peakRssMiB(-1), 0.0, "peak raised to VmRSS");
    ProcStatus settled = ProcStatus.parse("VmHWM:\t  600000 kB\nVmRSS:\t  524012 kB\n");
    assertEquals(600_000 / 1024.0, settled.peakRssMiB(-1), 0.0);
  }

  @Test
  void missingFieldsAreEmptyAndGiveTheCallersUnknownValue() throws Exception {
    String noRss = fixture().replaceAll("(?m)^VmRSS:.*\n", "");
    ProcStatus s = ProcStatus.parse(noRss);
    assertEquals(OptionalLong.empty(), s.vmRssKiB());
    assertEquals(-1.0, s.rssMiB(-1), 0.0);
    assertEquals(523_980 / 1024.0, s.peakRssMiB(Double.NaN), 0.0, "VmHWM alone");
    ProcStatus none = ProcStatus.parse("Name:\tjava\nThreads:\t41\n");
    assertEquals(new ProcStatus(OptionalLong.empty(), OptionalLong.empty()), none);
    assertTrue(Double.isNaN(none.peakRssMiB(Double.NaN)));
    assertTrue(Double.isNaN(none.rssMiB(Double.NaN)));
  }

  @Test
  void aMissingFileGivesEmptyFieldsAndAMalformedLineIsNamed(@TempDir Path dir) throws Exception {
    assertEquals(new ProcStatus(OptionalLong.empty(), OptionalLong.empty()),
        ProcStatus.read(dir.resolve("absent")));
    Path file = dir.resolve("status");
    Files.writeString(file, fixture());
    assertEquals(ProcStatus.parse(fixture()), ProcStatus.read(file));
    for (String bad : new String[] {"VmRSS:\t  12x4 kB", "VmRSS:\t  1234 MB", "VmHWM:", "VmHWM:\t -5 kB"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ProcStatus.parse("Name:\tjava\n" + bad + "\n"));
      assertTrue(e.getMessage().contains(bad.trim()), e.getMessage());
    }
  }

  @Test
  void thisProcessOnLinuxHasBothFields() {
    ProcStatus s = ProcStatus.self();
    if (Files.exists(ProcStatus.SELF)) {
      assertTrue(s.rssMiB(-1) > 0 && s.peakRssMiB(-1) >= s.rssMiB(-1), s.toString());
    } else {
      assertEquals(new ProcStatus(OptionalLong.empty(), OptionalLong.empty()), s);
    }
  }
}
