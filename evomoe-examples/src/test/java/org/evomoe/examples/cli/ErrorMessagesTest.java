package org.evomoe.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErrorMessagesTest {
  private record Case(Throwable failure, String expected) {}

  @Test
  void everyFailureNamesTheThingAndTheCauseInOneLine() {
    List<Case> cases = List.of(
        new Case(new FileSystemException("/runs/x/.results.json.1a.tmp", null, "Read-only file system"),
            "/runs/x/.results.json.1a.tmp: read-only file system"),
        new Case(new UncheckedIOException("cannot save model checkpoint /runs/x/models/dense",
                new IOException("No space left on device")),
            "cannot save model checkpoint /runs/x/models/dense: no space left on device"),
        new Case(new NoSuchFileException("/proc/x"), "/proc/x: does not exist"),
        new Case(new AccessDeniedException("/root/m"), "/root/m: permission denied"),
        new Case(new FileSystemException("/a/b", null, "Is a directory"), "/a/b: is a directory"),
        new Case(new FileSystemException("/a/b", null, "Not a directory"), "/a/b: not a directory"),
        new Case(new IndexOutOfBoundsException(),
            "internal error (index out of bounds); rerun with --debug for the details"),
        new Case(new NullPointerException(), "internal error (null pointer); rerun with --debug for the details"),
        new Case(new RuntimeException(new IOException("Input/output error")), "Input/output error"),
        new Case(new IllegalArgumentException("line one\nline two"), "line one line two"));
    for (Case c : cases) {
      assertEquals(c.expected(), ErrorMessages.describe(c.failure()), c.failure().toString());
    }
  }

  @Test
  void outOfMemorySaysWhatToDo() {
    String m = ErrorMessages.describe(new OutOfMemoryError("Java heap space"));
    assertTrue(m.startsWith("out of memory"), m);
    assertTrue(m.contains("-Xmx"), m);
    assertFalse(m.contains("Error"), m);
  }

  @Test
  void longMessagesAreCut() {
    String m = ErrorMessages.describe(new IllegalArgumentException("x".repeat(10_000)));
    assertEquals(ErrorMessages.MAX_CHARS + 3, m.length());
  }

  @picocli.CommandLine.Command(name = "oom")
  static final class Oom implements java.util.concurrent.Callable<Integer> {
    @Override
    public Integer call() {
      throw new OutOfMemoryError("Java heap space");
    }
  }

  /** Runs the real command line with an extra command that runs out of memory. */
  private static String[] runOom(String... extra) {
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cl = Main.commandLine();
    cl.addSubcommand("oom", new Oom());
    cl.setErr(new java.io.PrintWriter(err, true));
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("oom"));
    args.addAll(java.util.List.of(extra));
    int code = cl.execute(args.toArray(String[]::new));
    return new String[] {String.valueOf(code), err.toString()};
  }

  @Test
  void anOutOfMemoryErrorInACommandIsOneLineWithoutATrace() {
    String[] r = runOom();
    assertEquals("1", r[0]);
    assertTrue(r[1].startsWith("error: out of memory"), r[1]);
    assertEquals(1, r[1].strip().lines().count(), r[1]);
    assertFalse(r[1].contains("OutOfMemoryError"), r[1]);
  }

  @Test
  void debugPrintsTheStackTrace() {
    String[] r = runOom("--debug");
    assertEquals("1", r[0]);
    assertTrue(r[1].startsWith("error: out of memory"), r[1]);
    assertTrue(r[1].contains("\tat "), r[1]);
  }
}
