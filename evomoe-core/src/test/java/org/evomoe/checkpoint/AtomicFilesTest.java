package org.evomoe.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  private List<String> listing() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void createsAndReplacesFilesLeavingNoTemporaryFile() throws Exception {
    Path target = dir.resolve("config.json");
    AtomicFiles.writeBytes(target, "first".getBytes(StandardCharsets.UTF_8));
    assertEquals("first", Files.readString(target));
    AtomicFiles.write(target, out -> out.write("second, longer".getBytes(StandardCharsets.UTF_8)));
    assertEquals("second, longer", Files.readString(target));
    AtomicFiles.writeBytes(target, new byte[0]);
    assertEquals(0, Files.size(target));
    assertEquals(List.of("config.json"), listing());
  }

  @Test
  void theTargetIsNeverWrittenInPlace() throws Exception {
    Path target = dir.resolve("model.safetensors");
    byte[] old = "old content".getBytes(StandardCharsets.UTF_8);
    Files.write(target, old);
    AtomicFiles.write(target, out -> {
      out.write(new byte[100_000]);
      out.flush();
      // mid-write: the old file is intact and the new bytes live in a temporary file beside it
      assertArrayEquals(old, Files.readAllBytes(target));
      List<String> names = listing();
      assertEquals(2, names.size(), names.toString());
      String temp = names.get(0);
      assertTrue(temp.startsWith(".model.safetensors.") && temp.endsWith(".tmp"), temp);
      assertEquals(100_000, Files.size(dir.resolve(temp)));
    });
    assertEquals(100_000, Files.size(target));
    assertEquals(List.of("model.safetensors"), listing());
  }

  @Test
  void aFailingWriterLeavesTheOldFileByteIdentical() throws Exception {
    Path target = dir.resolve("model.safetensors");
    byte[] old = new byte[50_000];
    for (int i = 0; i < old.length; i++) {
      old[i] = (byte) (i * 31);
    }
    Files.write(target, old);

    IOException boom = new IOException("disk full (injected)");
    IOException thrown = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
      out.write(new byte[200_000]); // more than the buffer: some bytes reach the temporary file
      throw boom;
    }));
    assertSame(boom, thrown);
    assertArrayEquals(old, Files.readAllBytes(target));
    assertEquals(List.of("model.safetensors"), listing());

    RuntimeException bug = new IllegalStateException("bug (injected)");
    assertSame(bug, assertThrows(IllegalStateException.class,
        () -> AtomicFiles.write(target, out -> {
          out.write(1);
          throw bug;
        })));
    assertArrayEquals(old, Files.readAllBytes(target));
    assertEquals(List.of("model.safetensors"), listing());
  }

  @Test
  void aFailingRenameRemovesTheTemporaryFile() throws Exception {
    // a non-empty folder cannot be replaced by a file: the rename itself fails
    Path target = dir.resolve("occupied");
    Files.createDirectory(target);
    Files.writeString(target.resolve("keep.txt"), "kept");
    assertThrows(IOException.class, () -> AtomicFiles.writeBytes(target, new byte[] {1, 2, 3}));
    assertEquals(List.of("occupied"), listing());
    assertEquals("kept", Files.readString(target.resolve("keep.txt")));
  }

  @Test
  void aMissingFolderIsAnIoException() {
    assertThrows(IOException.class,
        () -> AtomicFiles.writeBytes(dir.resolve("no/such/folder/file"), new byte[1]));
  }

  @Test
  void jsonSidecarsThatCloseTheirStreamWork() throws Exception {
    Path target = dir.resolve("config.json");
    ObjectMapper mapper = new ObjectMapper();
    AtomicFiles.write(target, out -> mapper.writeValue(out, Map.of("hidden_size", 64)));
    assertEquals(Map.of("hidden_size", 64), mapper.readValue(target.toFile(), Map.class));
  }

  @Test
  void newFilesGetTheUsualPermissionsNotThoseOfAPrivateTempFile() throws Exception {
    PosixFileAttributeView view =
        Files.getFileAttributeView(dir, PosixFileAttributeView.class);
    if (view == null) {
      return; // not a POSIX file system: nothing to compare
    }
    Path plain = Files.write(dir.resolve("plain"), new byte[1]);
    Path atomic = dir.resolve("atomic");
    AtomicFiles.writeBytes(atomic, new byte[1]);
    assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(atomic));
  }

  @Test
  void aFailedSafetensorsSaveKeepsThePreviousCheckpointLoadable() throws Exception {
    Path target = dir.resolve("model.safetensors");
    Tensor a = new Tensor("a", new long[] {2}, new float[] {1, 2});
    Safetensors.write(target, List.of(a), Map.of(), Dtype.F32);
    byte[] before = Files.readAllBytes(target);

    List<SafetensorsWriter.Pending> tensors = List.of(
        new SafetensorsWriter.Pending("a", new long[] {300_000}, () -> new float[300_000]),
        new SafetensorsWriter.Pending("b", new long[] {1}, () -> {
          throw new UncheckedIOException(new IOException("source vanished (injected)"));
        }));
    assertThrows(UncheckedIOException.class,
        () -> SafetensorsWriter.write(target, tensors, Map.of(), Dtype.F32));
    assertArrayEquals(before, Files.readAllBytes(target));
    assertEquals(List.of("model.safetensors"), listing());
    assertEquals(a, Safetensors.read(target).tensor("a"));
  }
}
