package org.evomoe.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.evomoe.examples.cli.CliRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The output file of {@code evomoe bench regime} is pinned byte for byte: a tiny sweep
 * ({@code bench/regime-tiny.sweep.json}: alignment and Stage I, an evolution variant on its own
 * task mix and a dense-continued one, two evomoe router variants (the first trains the shared
 * Stage II, the second reuses it) and an upcycled-dtr one, so that every section of the file is
 * written) must give {@code bench/regime-tiny.out.json} exactly: the same field names, order,
 * nesting and number formatting, which readers of these files depend on; and the lines it prints,
 * {@code bench/regime-tiny.stdout.txt}.
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
class RegimeSweepGoldenTest {
  @TempDir Path dir;

  private static final Pattern SECONDS = Pattern.compile("(\"seconds\" : )[-+0-9.eE]+");

  private static final Pattern PRINTED_SECONDS = Pattern.compile("\\([0-9]+(\\.[0-9]+)? s\\)");

  /** The file with every {@code seconds} value replaced by {@code "masked"}. */
  static String masked(String json) {
    return SECONDS.matcher(json).replaceAll("$1\"masked\"");
  }

  /** Printed lines with every {@code (N s)} replaced by {@code (masked s)}. */
  static String maskedLines(String stdout) {
    return PRINTED_SECONDS.matcher(stdout).replaceAll("(masked s)");
  }

  static Path resource(String name) throws URISyntaxException {
    return Path.of(RegimeSweepGoldenTest.class.getResource("/bench/" + name).toURI());
  }

  @Test
  void tinySweepWritesTheGoldenFile() throws Exception {
    Path out = dir.resolve("regime-tiny.out.json");
    String stdout = CliRunner.run(0, "bench", "regime", "--config",
        resource("regime-tiny.sweep.json").toString(), "--out", out.toString(), "--threads", "1")
        .stdout();
    String actual = Files.readString(out, StandardCharsets.UTF_8);
    String golden = golden("regime-tiny.out.json");
    String goldenLines = golden("regime-tiny.stdout.txt");
    if (!masked(golden).equals(masked(actual))
        || !maskedLines(goldenLines).equals(maskedLines(stdout))) {
      keep("regime-tiny.actual.json", actual);
      keep("regime-tiny.actual.stdout.txt", stdout);
    }
    assertEquals(masked(golden), masked(actual), "see target/regime-tiny.actual.json");
    assertEquals(maskedLines(goldenLines), maskedLines(stdout),
        "see target/regime-tiny.actual.stdout.txt");
  }

  @Test
  void maskingReplacesOnlyTheSeconds() {
    String json = "{\n  \"seconds\" : 1.25E-4,\n  \"secondsTotal\" : 2.5,\n  \"x\" : 3\n}";
    assertEquals("{\n  \"seconds\" : \"masked\",\n  \"secondsTotal\" : 2.5,\n  \"x\" : 3\n}",
        masked(json));
    assertEquals("a (masked s); b (masked s) c (masked s) (1.5 ms)",
        maskedLines("a (0.3 s); b (12 s) c (0 s) (1.5 ms)"));
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
