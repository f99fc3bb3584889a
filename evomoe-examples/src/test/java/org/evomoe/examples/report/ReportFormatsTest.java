package org.evomoe.examples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.evomoe.examples.study.StudyResults;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page for a results.json of every version the report reads is the one the report gave before
 * it read results.json through typed records: the goldens under {@code report/golden/} were
 * written by the reader that walked the JSON tree, from these fixtures: version 1 (the
 * single-seed demo), version 2 as written before the diagnostics were records, version 2 with
 * the task mixes in its settings and NaN values, and an empty object.
 */
class ReportFormatsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = ReportFormatsTest.class.getResourceAsStream(name)) {
      assertNotNull(in, name + " on the test classpath");
      return in.readAllBytes();
    }
  }

  private static String golden(String name) throws IOException {
    return new String(resource("/report/golden/" + name), StandardCharsets.UTF_8);
  }

  private static String page(byte[] results, Path dir) throws IOException {
    Path json = dir.resolve("results.json");
    Files.createDirectories(dir);
    Files.write(json, results);
    return Files.readString(ReportWriter.writeFrom(json, dir.resolve("report")));
  }

  private static List<String> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void version1PageIsUnchanged(@TempDir Path dir) throws IOException {
    assertEquals(golden("version1-report.html"),
        page(resource("/report/example-results.json"), dir));
    assertEquals(20, files(dir.resolve("report")).size(), files(dir.resolve("report")).toString());
  }

  @Test
  void version2PagesAreUnchanged(@TempDir Path dir) throws IOException {
    assertEquals(golden("version2-report.html"),
        page(resource("/study/previous-format/results.json"), dir.resolve("previous")));
    assertEquals(golden("current-report.html"),
        page(resource("/report/current-results.json"), dir.resolve("current")));
    assertTrue(files(dir.resolve("current").resolve("report")).contains("study-differences.png"));
  }

  @Test
  void emptyResultsPageIsUnchanged(@TempDir Path dir) throws IOException {
    assertEquals(golden("empty-report.html"), page("{}".getBytes(StandardCharsets.UTF_8), dir));
    assertEquals(List.of("report.html"), files(dir.resolve("report")));
  }

  /** A run's report is the page of the results.json the run writes. */
  @Test
  void runResultsGiveThePageOfTheirFile(@TempDir Path dir) throws IOException {
    StudyResults results = JSON.readValue(resource("/report/current-results.json"),
        StudyResults.class);
    byte[] written = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(results);
    String fromFile = page(written, dir.resolve("file"));
    String fromRun = Files.readString(ReportWriter.write(results, dir.resolve("run")));
    assertEquals(fromFile, fromRun);
    assertEquals(files(dir.resolve("file").resolve("report")), files(dir.resolve("run")));
  }

  @Test
  void entriesOfTheWrongShapeNameTheField(@TempDir Path dir) throws IOException {
    String bad = new String(resource("/report/example-results.json"), StandardCharsets.UTF_8)
        .replaceFirst("\"steps\" : 5,", "\"steps\" : \"five\",");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ResultsFile.parse(bad.getBytes(StandardCharsets.UTF_8), "r.json"));
    assertTrue(e.getMessage().startsWith("r.json does not match the results schema"
        + " (docs/results-schema.md) at stages[0].steps: "), e.getMessage());
    IllegalArgumentException nullArm = assertThrows(IllegalArgumentException.class,
        () -> ResultsFile.parse("{\"arms\": [null]}".getBytes(StandardCharsets.UTF_8), "r.json"));
    assertTrue(nullArm.getMessage().contains("arms[0] is null"), nullArm.getMessage());
  }

  @Test
  void brokenJsonIsReportedAsSuchWhereverTheBreakIs() {
    // The first entry would not bind either: the syntax error still comes first.
    byte[] broken = "{\"stages\": [{\"steps\": \"x\"}], \"seconds\": }".getBytes(StandardCharsets.UTF_8);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ResultsFile.parse(broken, "r.json"));
    assertTrue(e.getMessage().startsWith("r.json is not valid JSON at line 1, column "),
        e.getMessage());
  }
}
