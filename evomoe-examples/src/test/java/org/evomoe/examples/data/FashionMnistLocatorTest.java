package org.evomoe.examples.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistLocatorTest {
  @TempDir Path dir;

  private void touch(String name) throws IOException {
    Files.write(dir.resolve(name), new byte[] {0});
  }

  @Test
  void defaultIsTheDebianPackageFolder() {
    assertEquals(
        List.of(Path.of("/usr/share/datasets/fashion-mnist")),
        FashionMnistLocator.DEFAULT_DIRECTORIES);
  }

  @Test
  void findsPlainAndGzippedNamesInAGivenFolder() throws IOException {
    touch("train-images-idx3-ubyte.gz");
    touch("train-labels-idx1-ubyte");
    touch("t10k-images-idx3-ubyte");
    touch("t10k-labels-idx1-ubyte.gz");
    FashionMnistFiles files = FashionMnistLocator.locate(dir);
    assertEquals(dir, files.directory());
    assertEquals(dir.resolve("train-images-idx3-ubyte.gz"), files.trainImages());
    assertEquals(dir.resolve("train-labels-idx1-ubyte"), files.trainLabels());
    assertEquals(dir.resolve("t10k-images-idx3-ubyte"), files.testImages());
    assertEquals(dir.resolve("t10k-labels-idx1-ubyte.gz"), files.testLabels());
  }

  @Test
  void missingFilesAreListedWithTheFolder() throws IOException {
    touch("train-images-idx3-ubyte.gz");
    touch("train-labels-idx1-ubyte.gz");
    FileNotFoundException e =
        assertThrows(FileNotFoundException.class, () -> FashionMnistLocator.locate(dir));
    assertTrue(e.getMessage().contains(dir.toAbsolutePath().toString()), e.getMessage());
    assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte[.gz]"), e.getMessage());
    assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte[.gz]"), e.getMessage());
    assertTrue(!e.getMessage().contains("train-images"), e.getMessage());
  }

  @Test
  void absentDefaultFolderAdvisesTheDebianPackage() {
    Path nowhere = dir.resolve("not-installed");
    FileNotFoundException e =
        assertThrows(
            FileNotFoundException.class, () -> FashionMnistLocator.locate(List.of(nowhere), false));
    assertTrue(e.getMessage().contains(nowhere.toString() + ": no such folder"), e.getMessage());
    assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
  }
}
