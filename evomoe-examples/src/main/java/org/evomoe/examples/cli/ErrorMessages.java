package org.evomoe.examples.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/**
 * Turns a failure into one line a person can act on: the thing (a file, a flag, a field) and the
 * cause (read-only file system, no space left on device, ...). Never a bare path, an exception
 * class name or {@code null}.
 */
final class ErrorMessages {
  /** Messages longer than this are cut (a hostile file can put anything into a message). */
  static final int MAX_CHARS = 400;

  private ErrorMessages() {}

  /** The message for a failure of a command. */
  static String describe(Throwable t) {
    String s = raw(t);
    s = s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    if (s.length() > MAX_CHARS) {
      s = s.substring(0, MAX_CHARS) + "...";
    }
    return s;
  }

  private static String raw(Throwable t) {
    if (t instanceof OutOfMemoryError) {
      return "out of memory: the job needs more memory than the JVM may use (raise it with"
          + " java -Xmx..., or ask for less: a shorter prompt, fewer --max-tokens, a smaller"
          + " model)";
    }
    if (t instanceof StackOverflowError) {
      return "the input is nested too deeply to process (stack overflow)";
    }
    if (t instanceof UncheckedIOException u && u.getCause() != null) {
      return withCause(u.getMessage(), u.getCause());
    }
    if (t instanceof FileSystemException f) {
      return fileSystem(f);
    }
    if (t instanceof IOException && t.getCause() != null && t.getCause() != t
        && (t.getCause() instanceof IOException || t.getCause() instanceof Error)) {
      return withCause(t.getMessage(), t.getCause());
    }
    String m = t.getMessage();
    if (m != null && t.getCause() != null && t.getCause() != t && m.equals(t.getCause().toString())) {
      return raw(t.getCause()); // new RuntimeException(cause): the message is the cause's class name
    }
    if (m == null || m.isBlank()) {
      if (t.getCause() != null && t.getCause() != t) {
        return raw(t.getCause());
      }
      return "internal error (" + words(t) + "); rerun with --debug for the details";
    }
    if (t instanceof IOException) {
      return cause(m);
    }
    return m;
  }

  /** "outer: cause", leaving out the cause when the outer message already says it. */
  private static String withCause(String outer, Throwable cause) {
    String inner = raw(cause);
    if (outer == null || outer.isBlank() || outer.equals(cause.toString())) {
      return inner;
    }
    if (outer.contains(inner)) {
      return outer;
    }
    return outer + ": " + inner;
  }

  /** A file-system failure names the file and the cause. */
  private static String fileSystem(FileSystemException f) {
    String file = f.getFile();
    String other = f.getOtherFile();
    String reason = f.getReason();
    String what;
    if (f instanceof NoSuchFileException) {
      what = "does not exist";
    } else if (f instanceof AccessDeniedException) {
      what = "permission denied";
    } else if (f instanceof FileAlreadyExistsException) {
      what = "already exists";
    } else if (f instanceof NotDirectoryException) {
      what = "is not a folder";
    } else if (f instanceof DirectoryNotEmptyException) {
      what = "is a folder that is not empty";
    } else {
      what = reason == null ? "file system error" : cause(reason);
    }
    if (reason != null && file != null && reason.contains(file)) {
      return reason; // our own messages already name the file
    }
    if (reason != null && !what.equals(cause(reason))) {
      what = what + " (" + cause(reason) + ")";
    }
    StringBuilder sb = new StringBuilder();
    sb.append(file == null ? "a file" : file);
    if (other != null) {
      sb.append(" -> ").append(other);
    }
    return sb.append(": ").append(what).toString();
  }

  /** Operating-system reasons in lower case ("No space left on device" -> "no space left on device"). */
  private static String cause(String m) {
    if (m.length() > 1 && Character.isUpperCase(m.charAt(0)) && Character.isLowerCase(m.charAt(1))
        && m.indexOf(' ') > 0 && !m.contains("/")) {
      return m.substring(0, 1).toLowerCase(Locale.ROOT) + m.substring(1);
    }
    return m;
  }

  /** "IndexOutOfBoundsException" -> "index out of bounds". */
  private static String words(Throwable t) {
    String n = t.getClass().getSimpleName().replaceAll("(Exception|Error)$", "");
    return n.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT).strip();
  }
}
