package org.evomoe.examples.data.instruct;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.evomoe.examples.data.EmbeddedFashionMnist;
import org.evomoe.examples.data.FashionMnistClass;
import org.evomoe.examples.data.FashionMnistDataset;
import org.evomoe.examples.data.FashionMnistSplit;
import org.evomoe.examples.data.SplitKind;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks generated data against an oracle written here from the ground-truth layout of each
 * canvas, with its own word tables (not the generator's code).
 */
class InstructionDataGeneratorTest {
  private static final List<String> WORDS =
      List.of(
          "tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
          "boot");
  private static final List<String> PLURALS =
      List.of(
          "tshirts", "trousers", "pullovers", "dresses", "coats", "sandals", "shirts", "sneakers",
          "bags", "boots");
  private static final Set<String> FOOTWEAR = Set.of("sandal", "sneaker", "boot");
  private static final Set<String> UPPER = Set.of("tshirt", "pullover", "dress", "coat", "shirt");
  private static final List<String> NUMBERS = List.of("zero", "one", "two", "three", "four");

  private static final InstructionConfig CONFIG =
      new InstructionConfig(
          new TaskCounts(300, 300, 60, 300, 200), new TaskCounts(80, 80, 20, 80, 41), 2, 4, 0.3,
          0.1, 11);

  private static FashionMnistDataset data;
  private static InstructionDataset generated;

  @BeforeAll
  static void generate() throws IOException {
    data = EmbeddedFashionMnist.load();
    generated = InstructionDataGenerator.generate(data, CONFIG);
  }

  private static String category(String word) {
    return FOOTWEAR.contains(word) ? "footwear" : word.equals("bag") ? "accessory" : "clothing";
  }

  private static boolean looksLike(String a, String b) {
    if (a.equals(b)) {
      return false;
    }
    if ((UPPER.contains(a) && UPPER.contains(b)) || (FOOTWEAR.contains(a) && FOOTWEAR.contains(b))) {
      return true;
    }
    Set<String> pair = Set.of(a, b);
    return pair.equals(Set.of("trouser", "dress"))
        || pair.equals(Set.of("bag", "shirt"))
        || pair.equals(Set.of("bag", "pullover"));
  }

  /** Class words of a canvas, by cell phrase; empty cells absent. */
  private static Map<String, String> layout(Canvas canvas) {
    Map<String, String> m = new HashMap<>();
    for (CanvasItem item : canvas.items()) {
      m.put(item.cell().phrase(), WORDS.get(item.itemClass().label()));
    }
    return m;
  }

  private static final Pattern POSITION = Pattern.compile("what is at the (\\w+ \\w+) \\?");
  private static final Pattern COUNT = Pattern.compile("how many (\\w+)( items)? are there \\?");
  private static final Pattern EXISTS = Pattern.compile("is there a (\\w+) in the image \\?");
  private static final Pattern MEMBER = Pattern.compile("is a (\\w+) a kind of (\\w+) \\?");
  private static final Pattern KIND = Pattern.compile("what kind of item is a (\\w+) \\?");
  private static final Pattern CHOICE =
      Pattern.compile("which one is a kind of (\\w+) : (\\w+) or (\\w+) \\?");
  private static final Pattern PLURAL = Pattern.compile("what is the plural of (\\w+) \\?");

  private static Matcher match(Pattern p, String prompt) {
    Matcher m = p.matcher(prompt);
    assertTrue(m.matches(), "unexpected prompt '" + prompt + "'");
    return m;
  }

  /** The answer the oracle expects for a sample. */
  private static String expectedAnswer(InstructionSample s) {
    switch (s.task()) {
      case POSITION -> {
        Matcher m = match(POSITION, s.prompt());
        return layout(s.canvas()).getOrDefault(m.group(1), "nothing");
      }
      case COUNTING -> {
        Matcher m = match(COUNT, s.prompt());
        Collection<String> items = layout(s.canvas()).values();
        String what = m.group(1);
        long n;
        if (m.group(2) != null) {
          n = what.equals("items")
              ? items.size()
              : items.stream().filter(w -> category(w).equals(what)).count();
          if (!what.equals("items")) {
            assertTrue(what.equals("clothing") || what.equals("footwear"), what);
          }
        } else if (what.equals("items")) {
          n = items.size();
        } else {
          String singular = WORDS.get(PLURALS.indexOf(what));
          n = items.stream().filter(w -> w.equals(singular)).count();
        }
        return NUMBERS.get((int) n);
      }
      case POPE -> {
        Matcher m = match(EXISTS, s.prompt());
        return layout(s.canvas()).containsValue(m.group(1)) ? "yes" : "no";
      }
      case CAPTION -> {
        assertEquals("describe the image .", s.prompt());
        List<String> order = new ArrayList<>();
        Map<String, Integer> counts = new HashMap<>();
        for (String cell : List.of("top left", "top right", "bottom left", "bottom right")) {
          String w = layout(s.canvas()).get(cell);
          if (w != null) {
            if (!counts.containsKey(w)) {
              order.add(w);
            }
            counts.merge(w, 1, Integer::sum);
          }
        }
        List<String> parts = new ArrayList<>();
        for (String w : order) {
          int n = counts.get(w);
          parts.add(n == 1 ? "a " + w : NUMBERS.get(n) + " " + PLURALS.get(WORDS.indexOf(w)));
        }
        String joined =
            parts.size() == 1
                ? parts.get(0)
                : String.join(" , ", parts.subList(0, parts.size() - 1))
                    + " and "
                    + parts.get(parts.size() - 1);
        return joined + " .";
      }
      case TEXT_MEMBERSHIP -> {
        Matcher m = match(MEMBER, s.prompt());
        return category(m.group(1)).equals(m.group(2)) ? "yes" : "no";
      }
      case TEXT_CATEGORY -> {
        return category(match(KIND, s.prompt()).group(1));
      }
      case TEXT_CHOICE -> {
        Matcher m = match(CHOICE, s.prompt());
        boolean first = category(m.group(2)).equals(m.group(1));
        boolean second = category(m.group(3)).equals(m.group(1));
        assertTrue(first != second, "exactly one option must fit: " + s.prompt());
        return first ? m.group(2) : m.group(3);
      }
      case TEXT_PLURAL -> {
        return PLURALS.get(WORDS.indexOf(match(PLURAL, s.prompt()).group(1)));
      }
      default -> throw new AssertionError(s.task());
    }
  }

  @Test
  void everyAnswerMatchesTheGroundTruthLayout() {
    for (List<InstructionSample> split : List.of(generated.train(), generated.test())) {
      for (InstructionSample s : split) {
        assertEquals(expectedAnswer(s), s.answer(), s.task() + ": " + s.prompt() + " on " + s.canvas());
      }
    }
  }

  @Test
  void splitsHoldTheConfiguredNumberOfEachTask() {
    for (boolean train : new boolean[] {true, false}) {
      TaskCounts counts = train ? CONFIG.train() : CONFIG.test();
      List<InstructionSample> split = train ? generated.train() : generated.test();
      Map<InstructionTask, Integer> byTask = new EnumMap<>(InstructionTask.class);
      for (InstructionSample s : split) {
        byTask.merge(s.task(), 1, Integer::sum);
        assertEquals(s.task().usesImage(), s.hasImage());
        assertEquals(s.task() == InstructionTask.POPE, s.probe() != null);
      }
      assertEquals(counts.total(), split.size());
      assertEquals(counts.position(), byTask.get(InstructionTask.POSITION));
      assertEquals(counts.counting(), byTask.get(InstructionTask.COUNTING));
      assertEquals(counts.caption(), byTask.get(InstructionTask.CAPTION));
      assertEquals(6 * counts.popePairsPerProbe(), byTask.get(InstructionTask.POPE));
      int text =
          byTask.getOrDefault(InstructionTask.TEXT_MEMBERSHIP, 0)
              + byTask.getOrDefault(InstructionTask.TEXT_CATEGORY, 0)
              + byTask.getOrDefault(InstructionTask.TEXT_CHOICE, 0)
              + byTask.getOrDefault(InstructionTask.TEXT_PLURAL, 0);
      assertEquals(counts.textOnly(), text);
      for (InstructionTask t :
          List.of(
              InstructionTask.TEXT_MEMBERSHIP,
              InstructionTask.TEXT_CATEGORY,
              InstructionTask.TEXT_CHOICE,
              InstructionTask.TEXT_PLURAL)) {
        int n = byTask.getOrDefault(t, 0);
        assertTrue(Math.abs(n - counts.textOnly() / 4.0) <= 1, t + ": " + n);
      }
    }
  }

  @Test
  void popeProbesAreBalancedAndNegativesAreOfTheirKind() {
    List<String> ranking = new ArrayList<>();
    Map<String, Integer> trainCounts = independentTrainItemCounts();
    List<String> byCount = new ArrayList<>(WORDS);
    byCount.sort((a, b) -> trainCounts.get(b) - trainCounts.get(a) != 0
        ? trainCounts.get(b) - trainCounts.get(a)
        : WORDS.indexOf(a) - WORDS.indexOf(b));
    ranking.addAll(byCount);

    for (boolean train : new boolean[] {true, false}) {
      int pairs = (train ? CONFIG.train() : CONFIG.test()).popePairsPerProbe();
      Map<PopeProbe, int[]> yesNo = new EnumMap<>(PopeProbe.class);
      for (InstructionSample s : train ? generated.train() : generated.test()) {
        if (s.task() != InstructionTask.POPE) {
          continue;
        }
        int[] c = yesNo.computeIfAbsent(s.probe(), k -> new int[2]);
        c[s.answer().equals("yes") ? 0 : 1]++;
        if (s.answer().equals("yes")) {
          continue;
        }
        String asked = match(EXISTS, s.prompt()).group(1);
        Set<String> present = new HashSet<>(layout(s.canvas()).values());
        assertFalse(present.contains(asked));
        switch (s.probe()) {
          case RANDOM -> {}
          case POPULAR -> {
            List<String> absentTop = new ArrayList<>();
            for (String w : ranking) {
              if (!present.contains(w) && absentTop.size() < 3) {
                absentTop.add(w);
              }
            }
            assertTrue(absentTop.contains(asked), asked + " not among " + absentTop);
          }
          case ADVERSARIAL -> assertTrue(
              present.stream().anyMatch(p -> looksLike(p, asked)),
              asked + " looks like none of " + present);
          default -> throw new AssertionError();
        }
      }
      for (PopeProbe p : PopeProbe.values()) {
        assertArrayEquals(new int[] {pairs, pairs}, yesNo.get(p), p + " yes/no");
      }
    }
  }

  /** Items per class over the distinct training canvases, counted here from the samples. */
  private static Map<String, Integer> independentTrainItemCounts() {
    Map<Canvas, Boolean> seen = new IdentityHashMap<>();
    Map<String, Integer> counts = new HashMap<>();
    WORDS.forEach(w -> counts.put(w, 0));
    for (InstructionSample s : generated.train()) {
      if (s.hasImage() && seen.put(s.canvas(), true) == null) {
        layout(s.canvas()).values().forEach(w -> counts.merge(w, 1, Integer::sum));
      }
    }
    return counts;
  }

  @Test
  void reportedTrainFrequenciesAreThoseOfTheTrainingCanvases() {
    Map<String, Integer> independent = independentTrainItemCounts();
    for (FashionMnistClass c : FashionMnistClass.values()) {
      assertEquals(independent.get(WORDS.get(c.label())), generated.trainItemCounts().get(c));
    }
    // the class prior (decay 0.1) makes tshirt about 2.6 times as frequent as boot
    assertTrue(independent.get("tshirt") > 1.5 * independent.get("boot"), independent.toString());
    assertEquals(FashionMnistClass.TSHIRT, generated.popularityRanking().get(0));
  }

  @Test
  void trainAndTestCanvasesUseDisjointSourcePools() {
    Set<SourceImageId> trainIds = new HashSet<>();
    Set<SourceImageId> testIds = new HashSet<>();
    Set<String> trainPoolImages = new HashSet<>();
    for (int i = 0; i < data.train().size(); i++) {
      trainPoolImages.add(Arrays.toString(data.train().copyImage(i)));
    }
    for (boolean train : new boolean[] {true, false}) {
      FashionMnistSplit pool = train ? data.train() : data.test();
      for (InstructionSample s : train ? generated.train() : generated.test()) {
        if (!s.hasImage()) {
          continue;
        }
        for (CanvasItem item : s.canvas().items()) {
          assertEquals(train ? SplitKind.TRAIN : SplitKind.TEST, item.source().split());
          (train ? trainIds : testIds).add(item.source());
          // the id is truthful: the cell holds exactly that pool image, of that class
          int idx = item.source().index();
          assertEquals(pool.itemClass(idx), item.itemClass());
          byte[] cell = new byte[784];
          for (int r = 0; r < 28; r++) {
            for (int c = 0; c < 28; c++) {
              cell[r * 28 + c] =
                  (byte) s.canvas().pixel(item.cell().top() + r, item.cell().left() + c);
            }
          }
          assertArrayEquals(pool.copyImage(idx), cell);
          if (!train) {
            assertFalse(trainPoolImages.contains(Arrays.toString(cell)), "test canvas uses a train image");
          }
        }
      }
    }
    assertTrue(Collections.disjoint(trainIds, testIds));
    assertTrue(trainIds.size() > 500, "training canvases use " + trainIds.size() + " images");
    assertTrue(testIds.size() > 150, "test canvases use " + testIds.size() + " images");
  }

  @Test
  void canvasesHoldTwoToFourDistinctImagesAndEveryAnswerKindOccurs() {
    Set<String> positionAnswers = new HashSet<>();
    Set<String> countAnswers = new HashSet<>();
    for (InstructionSample s : generated.train()) {
      if (!s.hasImage()) {
        assertNull(s.canvas());
        assertThrows(IllegalStateException.class, s::pixels);
        continue;
      }
      int n = s.canvas().items().size();
      assertTrue(n >= 2 && n <= 4, "items: " + n);
      Set<SourceImageId> ids = new HashSet<>();
      s.canvas().items().forEach(i -> ids.add(i.source()));
      assertEquals(n, ids.size(), "an image repeated on one canvas");
      assertNotNull(s.pixels());
      if (s.task() == InstructionTask.POSITION) {
        positionAnswers.add(s.answer());
      }
      if (s.task() == InstructionTask.COUNTING) {
        countAnswers.add(s.answer());
      }
    }
    assertTrue(positionAnswers.contains("nothing"));
    assertTrue(positionAnswers.size() >= 11, positionAnswers.toString()); // 10 classes + nothing
    assertEquals(Set.copyOf(NUMBERS), countAnswers);
  }

  @Test
  void sameSeedSameDataOtherSeedOtherData() {
    InstructionDataset again = InstructionDataGenerator.generate(data, CONFIG);
    assertEquals(generated.train(), again.train());
    assertEquals(generated.test(), again.test());
    InstructionConfig other =
        new InstructionConfig(
            CONFIG.train(), CONFIG.test(), 2, 4, 0.3, 0.1, CONFIG.seed() + 1);
    InstructionDataset different = InstructionDataGenerator.generate(data, other);
    assertNotEquals(generated.train(), different.train());
    assertEquals(generated.train().size(), different.train().size());
  }

  @Test
  void configValuesAreValidated() {
    TaskCounts t = new TaskCounts(1, 1, 1, 1, 1);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> new InstructionConfig(t, t, 3, 2, 0.3, 0.1, 1));
    assertTrue(e.getMessage().contains("maxItems"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new InstructionConfig(t, t, 0, 2, 0.3, 0.1, 1));
    assertThrows(IllegalArgumentException.class, () -> new InstructionConfig(t, t, 2, 4, 1.0, 0.1, 1));
    assertThrows(IllegalArgumentException.class, () -> new InstructionConfig(t, t, 2, 4, 0.3, -1, 1));
    assertThrows(IllegalArgumentException.class, () -> new TaskCounts(1, -1, 1, 1, 1));
  }
}
