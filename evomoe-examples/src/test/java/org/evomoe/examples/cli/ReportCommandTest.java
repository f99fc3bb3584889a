package org.evomoe.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {
  private static Path copyFixture(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path json = dir.resolve("results.json");
    try (InputStream in = ReportCommandTest.class.getResourceAsStream("/report/example-results.json")) {
      Files.copy(in, json);
    }
    return json;
  }

  @Test
  void helpListsTheCommandAndItsOptions() {
    assertTrue(CliTest.run(0, "--help").contains("report"));
    String help = CliTest.run(0, "report", "--help");
    assertTrue(help.contains("--results"), help);
    assertTrue(help.contains("--out"), help);
  }

  @Test
  void missingPathIsAOneLineError(@TempDir Path dir) {
    Path missing = dir.resolve("nope").resolve("results.json");
    String out = CliTest.run(1, "report", "--results", missing.toString());
    assertEquals("error: results file " + missing + " does not exist", out.strip());
    assertFalse(Files.exists(dir.resolve("nope")));
  }

  @Test
  void folderWithoutResultsIsAnError(@TempDir Path dir) {
    String out = CliTest.run(1, "report", "--results", dir.toString());
    assertEquals("error: folder " + dir + " has no results.json", out.strip());
  }

  @Test
  void invalidJsonIsAnErrorNamingTheFileAndLine(@TempDir Path dir) throws IOException {
    Path bad = dir.resolve("results.json");
    Files.writeString(bad, "{\n  \"arms\": [1, 2,\n");
    String out = CliTest.run(1, "report", "--results", bad.toString()).strip();
    assertTrue(out.startsWith("error: " + bad + " is not valid JSON at line "), out);
    assertEquals(1, out.lines().count(), out);
  }

  @Test
  void missingResultsOptionIsAUsageError() {
    String out = CliTest.run(2, "report");
    assertTrue(out.contains("--results"), out);
  }

  @Test
  void writesNextToTheResultsOrIntoOut(@TempDir Path dir) throws IOException {
    Path json = copyFixture(dir.resolve("run"));
    String out = CliTest.run(0, "report", "--results", json.getParent().toString());
    Path report = dir.resolve("run").resolve("report.html");
    assertTrue(Files.isRegularFile(report));
    assertTrue(out.contains("report: " + report.toAbsolutePath()), out);
    assertTrue(Files.isRegularFile(dir.resolve("run").resolve("shuffle.png")));

    Path other = dir.resolve("elsewhere");
    out = CliTest.run(0, "report", "--results", json.toString(), "--out", other.toString());
    assertTrue(Files.isRegularFile(other.resolve("report.html")));
    assertTrue(out.contains("report: " + other.resolve("report.html").toAbsolutePath()), out);
  }
}
