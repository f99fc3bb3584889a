package org.evomoe.examples.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Checks what kind of file a path names before it is opened, so that a named pipe, a device or a
 * folder given in place of a file is refused by kind instead of being read (reading a named pipe
 * blocks until something writes to it). Symbolic links are followed.
 */
public final class FileKinds {
  private static final int S_IFMT = 0170000;
  private static final int S_IFIFO = 0010000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;
  private static final int S_IFSOCK = 0140000;

  private FileKinds() {}

  /**
   * Throws unless {@code file} is an existing regular file.
   *
   * @param what how the message names the file, e.g. {@code "--image"} or {@code "config.json"}
   * @throws NoSuchFileException when nothing is there ("does not exist")
   * @throws IOException "is a directory" or "is not a regular file (a named pipe)" and the like
   */
  public static void requireRegularFile(Path file, String what) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file.toString(), null, what + " " + file + " does not exist");
    }
    if (a.isRegularFile()) {
      return;
    }
    if (a.isDirectory()) {
      throw new IOException(what + " " + file + " is a directory, not a file");
    }
    throw new IOException(what + " " + file + " is not a regular file (" + special(file) + ")");
  }

  /**
   * Throws unless {@code dir} is an existing directory.
   *
   * @throws NoSuchFileException when nothing is there
   * @throws IOException when it is a file or a special file
   */
  public static void requireDirectory(Path dir, String what) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(dir, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(dir.toString(), null, what + " " + dir + " does not exist");
    }
    if (a.isDirectory()) {
      return;
    }
    throw new IOException(what + " " + dir + " is "
        + (a.isRegularFile() ? "a file" : special(dir)) + ", not a folder");
  }

  /** "a named pipe", "a device", "a socket" or "a special file". */
  static String special(Path file) {
    try {
      int mode = (Integer) Files.getAttribute(file, "unix:mode");
      switch (mode & S_IFMT) {
        case S_IFIFO:
          return "a named pipe";
        case S_IFCHR:
        case S_IFBLK:
          return "a device";
        case S_IFSOCK:
          return "a socket";
        default:
          return "a special file";
      }
    } catch (IOException | RuntimeException e) {
      return "a special file";
    }
  }
}
