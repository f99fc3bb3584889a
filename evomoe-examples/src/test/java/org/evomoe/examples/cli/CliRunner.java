package org.evomoe.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs the command line in-process for tests, capturing what it prints. */
public final class CliRunner {
  private CliRunner() {}

  /** What a command printed to standard output and standard error. */
  public record Output(String stdout, String stderr) {}

  /** Runs {@code args} through {@link Main#commandLine()} and asserts the exit code. */
  public static Output run(int expectedExit, String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    int code;
    try {
      System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
      CommandLine cl = Main.commandLine();
      cl.setOut(new PrintWriter(System.out, true));
      cl.setErr(new PrintWriter(err, true));
      code = cl.execute(args);
    } finally {
      System.setOut(old);
    }
    assertEquals(expectedExit, code, "exit code; stderr: " + err);
    return new Output(buf.toString(StandardCharsets.UTF_8), err.toString());
  }
}
