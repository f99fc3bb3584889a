package org.evomoe.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.evomoe.examples.cli.CliRunner;
import org.evomoe.examples.study.ValidationCurve;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The output of {@code evomoe bench regime}, from one run of a tiny sweep ({@code
 * bench/regime-tiny.sweep.json}: alignment and Stage I, evolution variants on the default and on
 * Stage I's task mix, a dense-continued variant, two evomoe router variants (the first trains the
 * shared Stage II, the second reuses it) and an upcycled-dtr one, so that every section of the
 * file is written).
 *
 * <p>The file is pinned byte for byte: it must equal {@code bench/regime-tiny.out.json} exactly
 * (the same field names, order, nesting and number formatting, which readers of these files
 * depend on), and the lines the command prints must equal {@code bench/regime-tiny.stdout.txt}.
 * Both goldens were written by the command before its output became typed records ({@link
 * RegimeSweepResult}).
 *
 * <p>Masked on both sides, because they are wall-clock times: in the file the value of every field
 * named {@code seconds} (replaced by {@code "masked"}), in the printed lines every {@code (N s)}
 * (replaced by {@code (masked s)}). Nothing else is masked; the sweep runs at one thread and is
 * deterministic on one machine (two runs in separate JVMs and one in the test JVM gave the same
 * bytes after masking).
 *
 * <p>The goldens are the unmasked output and standard output of {@code java -jar evomoe.jar bench
 * regime --config regime-tiny.sweep.json --out regime-tiny.out.json --threads 1}. Their numbers
 * come from training, so a platform whose BLAS kernels round differently gives other digits; on a
 * mismatch the test writes what it got to {@code target/regime-tiny.actual.json} and {@code
 * target/regime-tiny.actual.stdout.txt}: compare them with the goldens, and replace a golden only
 * when the difference is in the numbers, never in the fields.
 */
class RegimeSweepOutputTest {
  @TempDir static Path dir;

  private static final ObjectMapper STRICT = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(SerializationFeature.INDENT_OUTPUT);

  private static final Pattern SECONDS = Pattern.compile("(\"seconds\" : )[-+0-9.eE]+");
  private static final Pattern PRINTED_SECONDS = Pattern.compile("\\([0-9]+(\\.[0-9]+)? s\\)");

  /** What the tiny sweep wrote and printed. */
  private static String file;
  private static String printed;

  @BeforeAll
  static void runTinySweep() throws Exception {
    Path out = dir.resolve("regime-tiny.out.json");
    printed = CliRunner.run(0, "bench", "regime", "--config",
        resource("regime-tiny.sweep.json").toString(), "--out", out.toString(), "--threads", "1")
        .stdout();
    file = Files.readString(out, StandardCharsets.UTF_8);
  }

  /** The file with every {@code seconds} value replaced by {@code "masked"}. */
  static String masked(String json) {
    return SECONDS.matcher(json).replaceAll("$1\"masked\"");
  }

  /** Printed lines with every {@code (N s)} replaced by {@code (masked s)}. */
  static String maskedLines(String stdout) {
    return PRINTED_SECONDS.matcher(stdout).replaceAll("(masked s)");
  }

  @Test
  void fileMatchesTheGolden() throws Exception {
    String golden = golden("regime-tiny.out.json");
    if (!masked(golden).equals(masked(file))) {
      keep("regime-tiny.actual.json", file);
    }
    assertEquals(masked(golden), masked(file), "see target/regime-tiny.actual.json");
  }

  @Test
  void printedLinesMatchTheGolden() throws Exception {
    String golden = golden("regime-tiny.stdout.txt");
    if (!maskedLines(golden).equals(maskedLines(printed))) {
      keep("regime-tiny.actual.stdout.txt", printed);
    }
    assertEquals(maskedLines(golden), maskedLines(printed),
        "see target/regime-tiny.actual.stdout.txt");
  }

  /** The records hold every field of the golden: bound strictly and written again, the same bytes. */
  @Test
  void goldenBindsToTheRecordsAndWritesBackUnchanged() throws Exception {
    String golden = golden("regime-tiny.out.json");
    RegimeSweepResult r = STRICT.readValue(golden, RegimeSweepResult.class);
    assertEquals(golden, STRICT.writeValueAsString(r));
  }

  @Test
  void variantsTrainOnTheirMixAndTheirChangeIsTheSeedsCurve() throws Exception {
    RegimeSweepResult r = STRICT.readValue(file, RegimeSweepResult.class);
    ValidationCurve stage1 = r.stages().get(1).validation();
    assertEquals("stage1-warmup", r.stages().get(1).stage());
    int all = r.settings().validationSamples();
    assertTrue(stage1.samples() > 0 && stage1.samples() < all, "Stage I validated on its mix");
    double stage1End = stage1.losses()[stage1.losses().length - 1];
    String[] mixes = {"all", "A", "all"};
    assertEquals(3, r.stage2().size());
    for (int i = 0; i < 3; i++) {
      Stage2VariantResult n = r.stage2().get(i);
      double[] losses = n.validation().losses();
      // The paired change is measured as the curve is: the seed alone, on the variant's mix.
      assertEquals(losses[0], n.validationBefore(), 1e-9);
      assertEquals(losses[losses.length - 1], n.validationAfter(), 1e-9);
      assertEquals(n.validationAfter() - n.validationBefore(), n.validationChange(), 1e-9);
      assertEquals(mixes[i].equals("all") ? all : stage1.samples(), n.validationSamples());
      assertEquals(mixes[i].equals("all") ? 8 : 3, n.tasks().tasks().size(), n.tasks().toString());
      assertEquals(i == 2, n.weights() == null, "divergence only for evolution variants");
      assertTrue(n.validationChangeByTask().get("counting").samples() > 0);
    }
    // From the same Stage I weights: a variant on Stage I's mix starts where Stage I ended.
    assertEquals(stage1End, r.stage2().get(1).validationBefore(), 1e-9);
    // On Stage I's mix, the change on that mix is the variant's own change.
    assertEquals(r.stage2().get(1).validationChange(),
        r.stage2().get(1).stage1MixValidationChange(), 1e-12);
    // Only the first evomoe router variant trains (and records) the shared Stage II.
    assertEquals("stage2-evolution", r.router().get(0).stage2().stage());
    assertNull(r.router().get(1).stage2());
    assertNull(r.router().get(2).stage2());
    assertEquals("upcycled-moe", r.router().get(2).stage());
  }

  @Test
  void maskingReplacesOnlyTheSeconds() {
    String json = "{\n  \"seconds\" : 1.25E-4,\n  \"secondsTotal\" : 2.5,\n  \"x\" : 3\n}";
    assertEquals("{\n  \"seconds\" : \"masked\",\n  \"secondsTotal\" : 2.5,\n  \"x\" : 3\n}",
        masked(json));
    assertEquals("a (masked s); b (masked s) c (masked s) (1.5 ms)",
        maskedLines("a (0.3 s); b (12 s) c (0 s) (1.5 ms)"));
  }

  static Path resource(String name) throws URISyntaxException {
    return Path.of(RegimeSweepOutputTest.class.getResource("/bench/" + name).toURI());
  }

  private static String golden(String name) throws IOException, URISyntaxException {
    return Files.readString(resource(name), StandardCharsets.UTF_8);
  }

  private static void keep(String name, String actual) throws IOException {
    Path target = Path.of("target");
    if (Files.isDirectory(target)) {
      Files.writeString(target.resolve(name), actual, StandardCharsets.UTF_8);
    }
  }
}
