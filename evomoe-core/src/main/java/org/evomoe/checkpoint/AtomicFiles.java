package org.evomoe.checkpoint;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes files atomically: readers see either the complete previous file or the complete new one.
 *
 * <p>The content goes to a fresh temporary file in the target's folder (named {@code
 * .<target name>.<random>.tmp}); it is flushed and forced to disk ({@link FileChannel#force}),
 * then renamed over the target with {@link StandardCopyOption#ATOMIC_MOVE}, and finally the folder
 * itself is forced where the platform allows it, so the rename survives a power loss. The target
 * is never opened for writing. If anything fails before the rename (the content writer throws, the
 * disk fills up, the rename is refused) the temporary file is deleted, the previous target is left
 * untouched and the exception propagates. A process killed mid-write can leave a stale {@code
 * .tmp} file behind, but never a damaged target.
 *
 * <p>A symbolic link at the target is replaced by the new file (the link's destination is not
 * written). Concurrent writers of one target each produce a complete file; the last rename wins.
 */
public final class AtomicFiles {
  private static final Logger LOG = LoggerFactory.getLogger(AtomicFiles.class);
  private static final int BUFFER_BYTES = 1 << 16;
  private static final int MAX_NAME_ATTEMPTS = 100;

  private AtomicFiles() {}

  /**
   * Atomically replaces (or creates) {@code target} with what {@code content} writes.
   *
   * <p>The stream handed to {@code content} is buffered; closing it only flushes (so serialisers
   * that close their output, such as Jackson's {@code ObjectMapper.writeValue}, are fine).
   *
   * @param target the file to write; its folder must exist
   * @param content writes the complete new content to the stream it is given
   * @throws IOException from {@code content} or from the file system; the target is then unchanged
   */
  public static void write(Path target, IoConsumer<? super OutputStream> content)
      throws IOException {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(content, "content");
    Path absolute = target.toAbsolutePath();
    Path folder = absolute.getParent();
    if (folder == null || absolute.getFileName() == null) {
      throw new IllegalArgumentException("target " + target + " is not a file path");
    }
    Path temp = createTempFile(folder, absolute.getFileName().toString());
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        OutputStream buffered =
            new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_BYTES);
        content.accept(new FlushOnCloseStream(buffered));
        buffered.flush();
        channel.force(true);
      }
      Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException | Error e) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException deleteFailure) {
        e.addSuppressed(deleteFailure);
      }
      throw e;
    }
    forceFolder(folder);
  }

  /** Atomically replaces (or creates) {@code target} with {@code bytes}; see {@link #write}. */
  public static void writeBytes(Path target, byte[] bytes) throws IOException {
    Objects.requireNonNull(bytes, "bytes");
    write(target, out -> out.write(bytes));
  }

  /**
   * Creates an empty temporary file next to the target. Created with the default permissions of a
   * new file (unlike {@link Files#createTempFile}, whose files are private to the owner).
   */
  private static Path createTempFile(Path folder, String targetName) throws IOException {
    FileAlreadyExistsException last = null;
    for (int attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
      String suffix = Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
      Path temp = folder.resolve("." + targetName + "." + suffix + ".tmp");
      try {
        Files.newByteChannel(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        return temp;
      } catch (FileAlreadyExistsException e) {
        last = e;
      }
    }
    throw new IOException("could not create a temporary file next to " + folder.resolve(targetName),
        last);
  }

  /** Forces the folder entry (the rename) to disk; not every platform can open a folder. */
  private static void forceFolder(Path folder) {
    try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      LOG.debug("could not force folder {} to disk: {}", folder, e.toString());
    }
  }

  /** Passes writes through; close() only flushes, so the surrounding code keeps control. */
  private static final class FlushOnCloseStream extends FilterOutputStream {
    FlushOnCloseStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
