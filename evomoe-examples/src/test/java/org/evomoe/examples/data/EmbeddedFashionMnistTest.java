package org.evomoe.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EmbeddedFashionMnistTest {
  private static FashionMnistDataset embedded;

  @BeforeAll
  static void load() throws IOException {
    embedded = FashionMnist.load(null);
  }

  @Test
  void hasTheStatedCountsAndIsClassBalanced() {
    assertEquals(1000, EmbeddedFashionMnist.TRAIN_SIZE);
    assertEquals(300, EmbeddedFashionMnist.TEST_SIZE);
    assertEquals(SplitKind.TRAIN, embedded.train().kind());
    assertEquals(SplitKind.TEST, embedded.test().kind());
    assertEquals(1000, embedded.train().size());
    assertEquals(300, embedded.test().size());
    int[] train = new int[10];
    int[] test = new int[10];
    Arrays.fill(train, 100);
    Arrays.fill(test, 30);
    assertArrayEquals(train, embedded.train().classCounts());
    assertArrayEquals(test, embedded.test().classCounts());
  }

  @Test
  void imagesAreRealPicturesAndTrainAndTestShareNone() {
    Set<String> trainImages = new HashSet<>();
    for (int i = 0; i < embedded.train().size(); i++) {
      byte[] img = embedded.train().copyImage(i);
      assertTrue(inkPixels(img) > 20, "train image " + i + " is nearly blank");
      trainImages.add(Arrays.toString(img));
    }
    assertEquals(1000, trainImages.size(), "duplicate images in the training subset");
    for (int i = 0; i < embedded.test().size(); i++) {
      byte[] img = embedded.test().copyImage(i);
      assertTrue(inkPixels(img) > 20, "test image " + i + " is nearly blank");
      assertTrue(!trainImages.contains(Arrays.toString(img)), "test image " + i + " is in train");
    }
  }

  private static int inkPixels(byte[] img) {
    int n = 0;
    for (byte b : img) {
      if ((b & 0xFF) > 32) {
        n++;
      }
    }
    return n;
  }

  @Test
  void isOnTheClasspathAndFoundFromRepositoryRootAndModuleFolder() throws IOException {
    Optional<FashionMnistDataset> cp =
        EmbeddedFashionMnist.loadFromClasspath(getClass().getClassLoader());
    assertTrue(cp.isPresent(), "the build copies the subset to the classpath");

    Path moduleDir = Path.of("").toAbsolutePath(); // surefire runs in the module folder
    assertTrue(Files.isRegularFile(moduleDir.resolve("pom.xml")));
    Path repoRoot = moduleDir.getParent();
    Path expected = repoRoot.resolve("src-test-data").resolve("fashion-mnist");
    assertEquals(Optional.of(expected), EmbeddedFashionMnist.findDirectory(moduleDir));
    assertEquals(Optional.of(expected), EmbeddedFashionMnist.findDirectory(repoRoot));

    FashionMnistDataset fromFolder = FashionMnist.loadDirectory(expected);
    assertEquals(cp.get().train().toIdxImages(), fromFolder.train().toIdxImages());
    assertEquals(cp.get().test().toIdxLabels(), fromFolder.test().toIdxLabels());
    assertEquals(embedded.train().toIdxImages(), fromFolder.train().toIdxImages());
  }

  @Test
  void licenceTravelsWithTheData() throws IOException {
    Path folder = EmbeddedFashionMnist.findDirectory(Path.of("")).orElseThrow();
    String licence = Files.readString(folder.resolve("LICENSE"));
    assertTrue(licence.contains("MIT License"));
    assertTrue(licence.contains("Copyright (c) 2017 Zalando SE"));
    assertTrue(getClass().getClassLoader().getResource("fashion-mnist/LICENSE") != null);
    assertTrue(getClass().getClassLoader().getResource("fashion-mnist/NOTICE") != null);
  }
}
