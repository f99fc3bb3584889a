package org.evomoe.examples.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.evomoe.diagnostics.ExpertSimilarity;
import org.evomoe.diagnostics.ModalityShares;
import org.evomoe.diagnostics.RouterLogitStats;
import org.evomoe.examples.pipeline.PipelineDiagnostics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern IMG =
      Pattern.compile("<img src=\"([^\"]+)\" width=\"(\\d+)\" height=\"(\\d+)\"");

  /** The results.json of a short demo run (test fixture). */
  static ObjectNode fixture() throws IOException {
    try (InputStream in = ReportWriterTest.class.getResourceAsStream("/report/example-results.json")) {
      assertNotNull(in, "fixture report/example-results.json on the test classpath");
      return (ObjectNode) JSON.readTree(in);
    }
  }

  /** Binds the tree as the report binds a results.json and writes the report. */
  private static Path write(JsonNode results, Path dir) throws IOException {
    return ReportWriter.write(ResultsFile.parse(JSON.writeValueAsBytes(results), "results.json"), dir);
  }

  /** The arm's diagnostics bound to their records. */
  private static PipelineDiagnostics diagnostics(JsonNode arm) throws IOException {
    return JSON.treeToValue(arm.get("diagnostics"), PipelineDiagnostics.class);
  }

  private static List<String> images(String html) {
    List<String> out = new ArrayList<>();
    Matcher m = IMG.matcher(html);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /**
   * Every referenced PNG exists, is a PNG of the size the page declares, and is not blank (a
   * chart whose painting failed half-way comes out nearly one colour).
   */
  private static void assertImagesValid(Path dir, String html) throws IOException {
    Matcher m = IMG.matcher(html);
    int n = 0;
    while (m.find()) {
      n++;
      Path png = dir.resolve(m.group(1));
      assertTrue(Files.isRegularFile(png), "missing " + png);
      byte[] head = new byte[8];
      try (InputStream in = Files.newInputStream(png)) {
        assertEquals(8, in.read(head));
      }
      assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, head,
          png + " has no PNG signature");
      BufferedImage img = ImageIO.read(png.toFile());
      assertNotNull(img, png + " is not readable as an image");
      assertEquals(Integer.parseInt(m.group(2)), img.getWidth(), png + " width");
      assertEquals(Integer.parseInt(m.group(3)), img.getHeight(), png + " height");
      assertTrue(img.getWidth() >= 400 && img.getHeight() >= 300, png + " is too small");
      Set<Integer> colours = new HashSet<>();
      for (int y = 0; y < img.getHeight(); y += 3) {
        for (int x = 0; x < img.getWidth(); x += 3) {
          colours.add(img.getRGB(x, y));
        }
      }
      assertTrue(colours.size() > 20, png + " looks blank: " + colours.size() + " colours");
      int nonWhite = 0;
      for (int y = 0; y < img.getHeight(); y++) {
        for (int x = 0; x < img.getWidth(); x++) {
          if ((img.getRGB(x, y) & 0xFFFFFF) != 0xFFFFFF) {
            nonWhite++;
          }
        }
      }
      assertTrue(nonWhite > img.getWidth() * img.getHeight() / 100,
          png + " is nearly all white: " + nonWhite + " non-white pixels");
    }
    assertTrue(n > 0, "no images referenced");
  }

  /** The text of the body cells of the table row labelled {@code label}. */
  private static List<String> row(String html, String label) {
    Matcher m = Pattern.compile("<tr><th scope=\"row\">" + Pattern.quote(label) + "</th>(.*?)</tr>")
        .matcher(html);
    assertTrue(m.find(), "no row " + label);
    List<String> cells = new ArrayList<>();
    Matcher c = Pattern.compile("<td>(.*?)</td>").matcher(m.group(1));
    while (c.find()) {
      cells.add(c.group(1));
    }
    return cells;
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }

  @Test
  void fullReportHasEveryArmTaskAndChart(@TempDir Path dir) throws IOException {
    ObjectNode results = fixture();
    Path report = write(results, dir);
    assertEquals(dir.resolve("report.html"), report);
    String html = Files.readString(report, StandardCharsets.UTF_8);

    // Results table: a column per arm (and Stage I), a row per task of every arm.
    List<String> armNames = new ArrayList<>();
    results.get("arms").forEach(a -> armNames.add(a.get("arm").asText()));
    assertEquals(List.of("dense", "moe-llava", "evomoe"), armNames);
    Matcher header = Pattern.compile("<thead><tr><th>metric</th><th>n</th>(.*?)</tr></thead>").matcher(html);
    assertTrue(header.find(), "results table header");
    List<String> expectedHeader = new ArrayList<>(List.of("Stage I"));
    expectedHeader.addAll(armNames);
    StringBuilder h = new StringBuilder();
    for (String a : expectedHeader) {
      h.append("<th>").append(a).append("</th>");
    }
    assertEquals(h.toString(), header.group(1));
    Set<String> tasks = new LinkedHashSet<>();
    results.get("arms").forEach(a -> a.get("tasks").fieldNames().forEachRemaining(tasks::add));
    assertEquals(8, tasks.size());
    for (String t : tasks) {
      List<String> cells = row(html, t + " accuracy");
      assertEquals(2 + armNames.size(), cells.size());
      assertEquals(results.get("arms").get(0).get("tasks").get(t).get("total").asText(), cells.get(0));
      for (int i = 0; i < armNames.size(); i++) {
        double acc = results.get("arms").get(i).get("tasks").get(t).get("accuracy").asDouble();
        assertEquals(fmt(acc), cells.get(2 + i).replace("<b>", "").replace("</b>", ""));
      }
    }
    for (String probe : ResultsSection.PROBES) {
      row(html, "POPE " + probe + " f1");
    }

    // The best average is bold, and only it.
    List<String> avg = row(html, "average");
    double best = results.get("stage1").get("average").asDouble();
    for (JsonNode a : results.get("arms")) {
      best = Math.max(best, a.get("average").asDouble());
    }
    long bold = avg.stream().filter(c -> c.startsWith("<b>")).count();
    assertEquals(1, bold, avg.toString());
    assertTrue(avg.contains("<b>" + fmt(best) + "</b>"), avg.toString());

    // Yes-ratio: the value closest to 0.5 is bold.
    List<String> yes = row(html, "POPE all yes-ratio");
    double closest = Double.NaN;
    List<JsonNode> cols = new ArrayList<>(List.of(results.get("stage1")));
    results.get("arms").forEach(cols::add);
    for (JsonNode c : cols) {
      double v = c.get("pope").get("all").get("yesRatio").asDouble();
      if (Double.isNaN(closest) || Math.abs(v - 0.5) < Math.abs(closest - 0.5)) {
        closest = v;
      }
    }
    assertTrue(yes.contains("<b>" + fmt(closest) + "</b>"), yes.toString());

    // Header: command, seed, data source, total seconds.
    assertTrue(html.contains("<th scope=\"row\">command</th><td>demo --quick</td>"));
    assertTrue(html.contains("<th scope=\"row\">seed</th><td>1</td>"));
    assertTrue(html.contains("<td>embedded subset</td>"));
    assertTrue(html.contains("<td>" + String.format(Locale.ROOT, "%.1f", results.get("seconds").asDouble()) + "</td>"));

    // Charts: exactly the expected set, derived from the fixture's contents.
    Set<String> expected = new LinkedHashSet<>();
    for (String a : armNames) {
      expected.add("loss-" + a + ".png");
    }
    expected.add("loss-arms.png");
    expected.add("shuffle.png");
    for (JsonNode a : results.get("arms")) {
      if (!a.has("diagnostics")) {
        continue;
      }
      String arm = a.get("arm").asText();
      PipelineDiagnostics d = diagnostics(a);
      expected.add("standalone-" + arm + ".png");
      for (ModalityShares.LayerShares l : d.modalityShares().layers()) {
        expected.add("shares-" + arm + "-layer" + l.layer() + ".png");
      }
      for (ExpertSimilarity.LayerSimilarity l : d.similarity().layers()) {
        expected.add("similarity-" + arm + "-layer" + l.layer() + ".png");
      }
      Set<Integer> layers = new LinkedHashSet<>();
      d.routerLogits().cells().forEach(c -> layers.add(c.layer()));
      for (int l : layers) {
        expected.add("logits-" + arm + "-layer" + l + ".png");
      }
    }
    assertEquals(expected, new HashSet<>(images(html)));
    assertEquals(expected.size(), images(html).size(), "a chart referenced twice");
    assertImagesValid(dir, html);

    // Separation values and mean off-diagonal similarity printed from the data.
    PipelineDiagnostics evo = diagnostics(results.get("arms").get(2));
    RouterLogitStats.ModalitySeparation sep = evo.routerLogits().separations().get(0);
    assertTrue(html.contains("<td>" + fmt(sep.totalVariation()) + "</td><td>"
        + fmt(sep.jensenShannon()) + "</td>"));
    double mean = evo.similarity().layers().get(0).meanOffDiagonal();
    assertTrue(html.contains(String.format(Locale.ROOT, "%.6f", mean)));
    // The complete fixture leaves nothing to note.
    assertFalse(html.contains("class=\"note\""), "unexpected notes");
  }

  @Test
  void missingDiagnosticsAlignmentAndNaNStillGiveAReport(@TempDir Path dir) throws IOException {
    ObjectNode results = fixture();
    for (JsonNode a : results.get("arms")) {
      ((ObjectNode) a).remove("diagnostics");
    }
    ArrayNode stages = (ArrayNode) results.get("stages");
    for (Iterator<JsonNode> it = stages.iterator(); it.hasNext(); ) {
      if (it.next().get("stage").asText().equals("alignment")) {
        it.remove();
      }
    }
    ObjectNode dense = (ObjectNode) results.get("arms").get(0);
    ((ObjectNode) dense.get("tasks").get("position")).put("accuracy", "NaN");
    dense.put("average", "NaN");
    ((ArrayNode) stages.get(0).get("losses")).set(0, JSON.getNodeFactory().textNode("NaN"));
    // Round trip through text, as the report reads it from a file.
    JsonNode reread = JSON.readTree(JSON.writeValueAsString(results));

    Path report = write(reread, dir);
    String html = Files.readString(report, StandardCharsets.UTF_8);
    List<String> names = images(html);
    assertFalse(names.isEmpty());
    assertTrue(names.stream().allMatch(n -> n.startsWith("loss-")), names.toString());
    assertImagesValid(dir, html);
    assertTrue(html.contains("No arm has modality-share diagnostics"));
    assertTrue(html.contains("No arm has router-logit diagnostics"));
    assertTrue(html.contains("No arm has expert-similarity diagnostics"));
    assertTrue(html.contains("No arm has a usable shuffle test"));
    assertTrue(html.contains("1 non-finite loss value(s) left out"));
    // The NaN is shown as such, never bold; the average's best is among the finite values.
    List<String> pos = row(html, "position accuracy");
    assertEquals("NaN", pos.get(2));
    List<String> avg = row(html, "average");
    assertEquals("NaN", avg.get(2));
    assertTrue(avg.stream().noneMatch(c -> c.contains("NaN</b>")));
    assertEquals(1, avg.stream().filter(c -> c.startsWith("<b>")).count(), avg.toString());
  }

  @Test
  void degenerateDiagnosticsAreDrawnOrNoted(@TempDir Path dir) throws IOException {
    ObjectNode results = fixture();
    var nf = JSON.getNodeFactory();
    for (JsonNode a : results.get("arms")) {
      JsonNode d = a.get("diagnostics");
      if (d == null) {
        continue;
      }
      // All-zero scores: a flat bar chart.
      ObjectNode shuffle = (ObjectNode) d.get("shuffle");
      shuffle.put("baseline", 0.0).put("shuffledMean", 0.0).put("shuffledStd", "NaN");
      ArrayNode scores = (ArrayNode) d.get("standalone").get("scores");
      for (int i = 0; i < scores.size(); i++) {
        scores.set(i, nf.numberNode(0.0));
      }
      ((ObjectNode) d.get("standalone")).put("routedBaseline", 0.0);
      // An undefined cosine (all-zero expert) and a constant matrix.
      ArrayNode layers = (ArrayNode) d.get("similarity").get("layers");
      ((ArrayNode) layers.get(0).get("cosine").get(0)).set(1, nf.textNode("NaN"));
      for (JsonNode row : layers.get(1).get("cosine")) {
        for (int j = 0; j < row.size(); j++) {
          ((ArrayNode) row).set(j, nf.numberNode(1.0));
        }
      }
      // A NaN share, a cell without tokens, an undefined separation.
      ((ArrayNode) d.get("modalityShares").get("layers").get(0).get("shares").get("TEXT"))
          .set(0, nf.textNode("NaN"));
      ObjectNode cell = (ObjectNode) d.get("routerLogits").get("cells").get(0);
      cell.put("count", 0);
      ArrayNode hist = (ArrayNode) cell.get("histogram");
      for (int i = 0; i < hist.size(); i++) {
        hist.set(i, nf.numberNode(0));
      }
      ((ObjectNode) d.get("routerLogits").get("separations").get(0)).put("totalVariation", "NaN");
    }
    // A stage whose losses are all undefined.
    ArrayNode losses = (ArrayNode) results.get("stages").get(0).get("losses");
    for (int i = 0; i < losses.size(); i++) {
      losses.set(i, nf.textNode("NaN"));
    }
    JsonNode reread = JSON.readTree(JSON.writeValueAsString(results));
    String html = Files.readString(write(reread, dir), StandardCharsets.UTF_8);
    assertImagesValid(dir, html);
    List<String> names = images(html);
    assertTrue(names.contains("shuffle.png"), names.toString());
    assertTrue(names.contains("similarity-evomoe-layer1.png"), names.toString());
    assertTrue(names.contains("shares-evomoe-layer1.png"), names.toString());
    // The layer with a NaN share still shows its IMAGE series.
    assertTrue(names.contains("shares-evomoe-layer0.png"), names.toString());
    assertTrue(html.contains("evomoe, layer 0, TEXT: non-finite share, series skipped."));
    assertTrue(html.contains("evomoe, layer 0: 1 undefined cosine(s) (an all-zero expert) left blank."));
    assertTrue(html.contains("expert 0, IMAGE: no tokens, curve skipped."));
    assertTrue(html.contains("shuffled std is not finite, drawn without error bar."));
    assertTrue(html.contains("5 non-finite loss value(s) left out"));
  }

  @Test
  void emptyResultsGiveAPageOfNotes(@TempDir Path dir) throws IOException {
    Path report = write(JSON.createObjectNode(), dir.resolve("sub"));
    String html = Files.readString(report, StandardCharsets.UTF_8);
    assertTrue(images(html).isEmpty());
    assertTrue(html.contains("No training stages in results.json"));
    assertTrue(html.contains("No arms and no Stage I results"));
    try (var files = Files.list(dir.resolve("sub"))) {
      assertEquals(List.of("report.html"), files.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void stringsFromTheJsonAreEscapedAndFileNamesSanitised(@TempDir Path dir) throws IOException {
    ObjectNode results = fixture();
    String evil = "<script>alert('x')</script>/../../escape";
    ((ObjectNode) results.get("arms").get(1)).put("arm", evil);
    for (JsonNode s : results.get("stages")) {
      if (s.get("arm").asText().equals("moe-llava")) {
        ((ObjectNode) s).put("arm", evil);
      }
    }
    results.put("command", "demo \"--quick\" & <b>more</b>");
    Path out = dir.resolve("out");
    String html = Files.readString(write(results, out), StandardCharsets.UTF_8);
    assertFalse(html.contains("<script>"));
    assertFalse(html.contains("<b>more</b>"));
    assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;/../../escape"));
    assertTrue(html.contains("demo &quot;--quick&quot; &amp; &lt;b&gt;more&lt;/b&gt;"));
    for (String n : images(html)) {
      assertTrue(n.matches("[a-z0-9][a-z0-9.-]*\\.png"), n);
    }
    assertImagesValid(out, html);
    try (var files = Files.list(dir)) {
      assertEquals(List.of("out"), files.map(p -> p.getFileName().toString()).toList(),
          "a file was written outside the report folder");
    }
  }

  @Test
  void diagnosticsThatDoNotBindNameTheArm(@TempDir Path dir) throws IOException {
    ObjectNode results = fixture();
    ((ObjectNode) results.get("arms").get(2).get("diagnostics").get("shuffle"))
        .put("seeds", "not a list");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> write(results, dir));
    assertTrue(e.getMessage().startsWith("arm evomoe: diagnostics do not match the results schema"),
        e.getMessage());
  }

  @Test
  void rejectsNonObjects(@TempDir Path dir) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> write(JSON.createArrayNode(), dir));
    assertEquals("results.json does not hold a JSON object, it holds an array", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ResultsFile.parse("3".getBytes(StandardCharsets.UTF_8), "r.json"));
    assertEquals("r.json does not hold a JSON object, it holds a single value", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ResultsFile.parse(new byte[0], "r.json"));
    assertEquals("r.json does not hold a JSON object", e.getMessage());
  }
}
