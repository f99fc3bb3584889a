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
}
