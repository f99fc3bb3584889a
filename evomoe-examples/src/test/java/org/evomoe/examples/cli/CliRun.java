package org.evomoe.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * The command line run in-process, stdout and stderr captured.
 *
 * @param code the exit code
 * @param out what the command printed to stdout
 * @param err what it printed to stderr
 */
record CliRun(int code, String out, String err) {
  static CliRun of(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream rawErr = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(rawErr, true, StandardCharsets.UTF_8));
      CommandLine cl = Main.commandLine();
      cl.setOut(new PrintWriter(System.out, true));
      cl.setErr(new PrintWriter(err, true));
      code = cl.execute(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    return new CliRun(code, out.toString(StandardCharsets.UTF_8),
        err + rawErr.toString(StandardCharsets.UTF_8));
  }

  /**
   * Asserts a clean refusal: non-zero exit, an {@code error:} line of at most {@code maxLines}
   * lines on stderr, no stack trace, no exception class name, no "null".
   */
  CliRun refused(int maxLines, String... mustContain) {
    String ctx = "stderr:\n" + err + "\nstdout:\n" + out;
    assertNotEquals(0, code, ctx);
    int at = err.indexOf("error: ");
    assertTrue(at == 0 || (at > 0 && (err.charAt(at - 1) == '\n' || err.charAt(at - 1) == '\r')),
        "no error line: " + ctx);
    // Progress lines before the error are allowed; the error itself is short.
    String all = String.join("\n", err.substring(at).strip().lines()
        .filter(l -> !l.startsWith("progress ")).toList());
    assertTrue(all.lines().count() <= maxLines, "more than " + maxLines + " lines: " + ctx);
    assertFalse(err.contains("\tat ") || err.contains("at org.") || err.contains("at java."),
        "stack trace: " + ctx);
    assertFalse(all.contains("\tat ") || all.contains("at org.") || all.contains("at java."),
        "stack trace: " + ctx);
    assertFalse(all.matches("(?s).*\\b[A-Z][A-Za-z]*(Exception|Error)\\b.*"),
        "exception class name: " + ctx);
    assertFalse(all.matches("(?s).*error: null.*"), ctx);
    for (String s : mustContain) {
      assertTrue(all.toLowerCase().contains(s.toLowerCase()), "missing '" + s + "': " + ctx);
    }
    return this;
  }

  CliRun ok() {
    assertEquals(0, code, "stderr:\n" + err + "\nstdout:\n" + out);
    return this;
  }

  /** SHA-256 of every file under {@code dir} by relative path (the folder's fingerprint). */
  static Map<String, String> fingerprint(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    if (!Files.exists(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
        out.put(dir.relativize(p).toString(), sha256(p));
      }
    }
    return out;
  }

  static String sha256(Path p) throws IOException {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  static List<String> lines(String s) {
    return s.lines().toList();
  }
}
