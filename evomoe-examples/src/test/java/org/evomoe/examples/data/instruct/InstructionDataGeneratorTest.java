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

  // The wordings, written here independently of PromptTemplates: in-template (training) ones and
  // held-out paraphrases. Named groups: cell, what, items, class, category, first, second.
  private static final String CELL = "(?<cell>\\w+ \\w+)";
  private static final String WHAT = "(?<what>\\w+)(?<items> items)?";
  private static final String CLASS = "(?<class>\\w+)";
  private static final String CAT = "(?<category>\\w+)";
  private static final String FIRST = "(?<first>\\w+)";
  private static final String SECOND = "(?<second>\\w+)";

  private static final Map<InstructionTask, List<String>> TRAINING_WORDINGS = Map.of(
      InstructionTask.POSITION,
          List.of("what is at the " + CELL + " \\?", "which item is in the " + CELL + " \\?"),
      InstructionTask.COUNTING,
          List.of("how many " + WHAT + " are there \\?", "count the " + WHAT + " in the image \\."),
      InstructionTask.POPE,
          List.of("is there a " + CLASS + " in the image \\?", "does the image show a " + CLASS + " \\?"),
      InstructionTask.CAPTION, List.of("describe the image \\.", "what does the image show \\?"),
      InstructionTask.TEXT_MEMBERSHIP,
          List.of("is a " + CLASS + " a kind of " + CAT + " \\?", "does a " + CLASS + " count as " + CAT + " \\?"),
      InstructionTask.TEXT_CATEGORY,
          List.of("what kind of item is a " + CLASS + " \\?", "a " + CLASS + " is which kind of item \\?"),
      InstructionTask.TEXT_CHOICE,
          List.of("which one is a kind of " + CAT + " : " + FIRST + " or " + SECOND + " \\?",
              FIRST + " or " + SECOND + " : which is " + CAT + " \\?"),
      InstructionTask.TEXT_PLURAL,
          List.of("what is the plural of " + CLASS + " \\?", "the plural of " + CLASS + " is what \\?"));

  private static final Map<InstructionTask, List<String>> HELD_OUT_WORDINGS = Map.of(
      InstructionTask.POSITION,
          List.of("what item is at the " + CELL + " of the image \\?",
              "in the image , what is in the " + CELL + " \\?"),
      InstructionTask.COUNTING,
          List.of("how many " + WHAT + " are in the image \\?", "count how many " + WHAT + " there are \\."),
      InstructionTask.POPE,
          List.of("is a " + CLASS + " in the image \\?", "does a " + CLASS + " show in the image \\?"),
      InstructionTask.CAPTION,
          List.of("what items are in the image \\?", "describe the items in the image \\."),
      InstructionTask.TEXT_MEMBERSHIP,
          List.of("is a " + CLASS + " a " + CAT + " item \\?",
              "a " + CLASS + " is a kind of " + CAT + " , yes or no \\?"),
      InstructionTask.TEXT_CATEGORY,
          List.of("which kind of item is a " + CLASS + " \\?", "what does a " + CLASS + " count as \\?"),
      InstructionTask.TEXT_CHOICE,
          List.of("which is a " + CAT + " item , " + FIRST + " or " + SECOND + " \\?",
              FIRST + " or " + SECOND + " , which one is a kind of " + CAT + " \\?"),
      InstructionTask.TEXT_PLURAL,
          List.of("one " + CLASS + " , two what \\?", CLASS + " : what is the plural \\?"));

  /** The matcher of the first wording of the sample's task (training or held-out) that fits. */
  private static Matcher match(InstructionSample s, boolean heldOut) {
    Map<InstructionTask, List<String>> wordings = heldOut ? HELD_OUT_WORDINGS : TRAINING_WORDINGS;
    for (String regex : wordings.get(s.task())) {
      Matcher m = Pattern.compile(regex).matcher(s.prompt());
      if (m.matches()) {
        return m;
      }
    }
    throw new AssertionError("unexpected " + (heldOut ? "held-out" : "training") + " prompt '"
        + s.prompt() + "' for task " + s.task());
  }

  /** Which wording (index into the task's list) a prompt uses. */
  private static int wordingIndex(InstructionSample s, boolean heldOut) {
    List<String> wordings = (heldOut ? HELD_OUT_WORDINGS : TRAINING_WORDINGS).get(s.task());
    for (int i = 0; i < wordings.size(); i++) {
      if (Pattern.compile(wordings.get(i)).matcher(s.prompt()).matches()) {
        return i;
      }
    }
    throw new AssertionError("unexpected prompt '" + s.prompt() + "'");
  }

  /** The answer the oracle expects for a sample worded with a training or held-out template. */
  private static String expectedAnswer(InstructionSample s, boolean heldOut) {
    Matcher m = s.task() == InstructionTask.CAPTION ? null : match(s, heldOut);
    switch (s.task()) {
      case POSITION -> {
        return layout(s.canvas()).getOrDefault(m.group("cell"), "nothing");
      }
      case COUNTING -> {
        Collection<String> items = layout(s.canvas()).values();
        String what = m.group("what");
        long n;
        if (m.group("items") != null) {
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
        return layout(s.canvas()).containsValue(m.group("class")) ? "yes" : "no";
      }
      case CAPTION -> {
        match(s, heldOut);
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
        return category(m.group("class")).equals(m.group("category")) ? "yes" : "no";
      }
      case TEXT_CATEGORY -> {
        return category(m.group("class"));
      }
      case TEXT_CHOICE -> {
        boolean first = category(m.group("first")).equals(m.group("category"));
        boolean second = category(m.group("second")).equals(m.group("category"));
        assertTrue(first != second, "exactly one option must fit: " + s.prompt());
        return first ? m.group("first") : m.group("second");
      }
      case TEXT_PLURAL -> {
        return PLURALS.get(WORDS.indexOf(m.group("class")));
      }
      default -> throw new AssertionError(s.task());
    }
  }

  @Test
  void everyAnswerMatchesTheGroundTruthLayout() {
    for (List<InstructionSample> split : List.of(generated.train(), generated.test())) {
      for (InstructionSample s : split) {
        assertEquals(expectedAnswer(s, false), s.answer(), s.task() + ": " + s.prompt() + " on " + s.canvas());
      }
    }
    for (InstructionSample s : generated.testHeldOut()) {
      assertEquals(expectedAnswer(s, true), s.answer(), s.task() + ": " + s.prompt() + " on " + s.canvas());
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
        String asked = match(s, false).group("class");
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
    assertEquals(generated.testHeldOut(), again.testHeldOut());
    InstructionConfig other =
        new InstructionConfig(
            CONFIG.train(), CONFIG.test(), 2, 4, 0.3, 0.1, CONFIG.seed() + 1);
    InstructionDataset different = InstructionDataGenerator.generate(data, other);
    assertNotEquals(generated.train(), different.train());
    assertEquals(generated.train().size(), different.train().size());
  }

  @Test
  void theTestSplitDoesNotDependOnTheTrainingSize() {
    InstructionConfig bigger =
        new InstructionConfig(
            new TaskCounts(600, 500, 90, 400, 333), CONFIG.test(), 2, 4, 0.3, 0.1, CONFIG.seed());
    InstructionDataset other = InstructionDataGenerator.generate(data, bigger);
    assertNotEquals(generated.train().size(), other.train().size());
    // Everything is equal but the class asked in POPE "popular" negatives, which follows the
    // training split's class ranking (here it differs: the smaller split ranks sandal above shirt).
    assertEqualButPopularNegatives(generated.test(), other.test());
    assertEqualButPopularNegatives(generated.testHeldOut(), other.testHeldOut());
  }

  private static void assertEqualButPopularNegatives(
      List<InstructionSample> x, List<InstructionSample> y) {
    assertEquals(x.size(), y.size());
    for (int i = 0; i < x.size(); i++) {
      InstructionSample a = x.get(i);
      InstructionSample b = y.get(i);
      if (a.probe() == PopeProbe.POPULAR && a.answer().equals("no")) {
        assertEquals(a.canvas(), b.canvas());
        assertEquals(a.answer(), b.answer());
      } else {
        assertEquals(a, b);
      }
    }
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

  @Test
  void everyTaskHasHeldOutTemplatesDisjointFromItsTrainingTemplates() {
    Set<String> allTraining = new HashSet<>();
    Set<String> allHeldOut = new HashSet<>();
    for (InstructionTask t : InstructionTask.values()) {
      List<String> training = PromptTemplates.training(t);
      List<String> heldOut = PromptTemplates.heldOut(t);
      assertFalse(training.isEmpty(), t + " has no training template");
      assertFalse(heldOut.isEmpty(), t + " has no held-out template");
      Set<String> slots = Set.copyOf(PromptTemplates.slots(training.get(0)));
      for (String tpl : training) {
        assertEquals(slots, Set.copyOf(PromptTemplates.slots(tpl)), t + ": " + tpl);
      }
      for (String tpl : heldOut) {
        assertEquals(slots, Set.copyOf(PromptTemplates.slots(tpl)), t + ": " + tpl);
      }
      allTraining.addAll(training);
      allHeldOut.addAll(heldOut);
    }
    Set<String> both = new HashSet<>(allTraining);
    both.retainAll(allHeldOut);
    assertEquals(Set.of(), both, "templates both in training and held out");
  }

  @Test
  void trainingDataNeverContainsAHeldOutPrompt() {
    Set<String> trainPrompts = new HashSet<>();
    for (InstructionSample s : generated.train()) {
      trainPrompts.add(s.prompt());
      for (List<String> heldOut : HELD_OUT_WORDINGS.values()) {
        for (String regex : heldOut) {
          assertFalse(Pattern.matches(regex, s.prompt()), "held-out wording in training: " + s.prompt());
        }
      }
    }
    for (InstructionSample s : generated.test()) {
      match(s, false); // in-template test prompts use training wordings
    }
    Set<String> heldOutPrompts = new HashSet<>();
    for (InstructionSample s : generated.testHeldOut()) {
      heldOutPrompts.add(s.prompt());
    }
    Set<String> both = new HashSet<>(heldOutPrompts);
    both.retainAll(trainPrompts);
    assertEquals(Set.of(), both, "rendered held-out prompts found in the training split");
    assertTrue(heldOutPrompts.size() > 50, "too few distinct held-out prompts: " + heldOutPrompts.size());
  }

  @Test
  void heldOutSplitRewordsTheTestSplitInOrder() {
    assertEquals(generated.test().size(), generated.testHeldOut().size());
    for (int i = 0; i < generated.test().size(); i++) {
      InstructionSample a = generated.test().get(i);
      InstructionSample b = generated.testHeldOut().get(i);
      assertEquals(a.task(), b.task());
      assertTrue(a.canvas() == b.canvas(), "same canvas at " + i);
      assertEquals(a.answer(), b.answer());
      assertEquals(a.probe(), b.probe());
      assertNotEquals(a.prompt(), b.prompt());
      if (a.task() != InstructionTask.CAPTION) {
        Matcher ma = match(a, false);
        Matcher mb = match(b, true);
        for (String g : List.of("cell", "what", "items", "class", "category", "first", "second")) {
          if (ma.pattern().pattern().contains("<" + g + ">")) {
            assertEquals(ma.group(g), mb.group(g), g + " of '" + a.prompt() + "' vs '" + b.prompt() + "'");
          }
        }
      }
    }
  }

  @Test
  void everyWordingOccursAndHeldOutWordsAreTrainingWords() {
    for (InstructionTask t : InstructionTask.values()) {
      Set<Integer> trainUsed = new HashSet<>();
      Set<Integer> heldUsed = new HashSet<>();
      for (InstructionSample s : generated.train()) {
        if (s.task() == t) {
          trainUsed.add(wordingIndex(s, false));
        }
      }
      for (InstructionSample s : generated.testHeldOut()) {
        if (s.task() == t) {
          heldUsed.add(wordingIndex(s, true));
        }
      }
      assertEquals(TRAINING_WORDINGS.get(t).size(), trainUsed.size(), t + " training wordings");
      assertEquals(HELD_OUT_WORDINGS.get(t).size(), heldUsed.size(), t + " held-out wordings");
    }
    Set<String> trainingWords = new HashSet<>();
    for (InstructionSample s : generated.train()) {
      trainingWords.addAll(Arrays.asList(s.prompt().split(" ")));
      trainingWords.addAll(Arrays.asList(s.answer().split(" ")));
    }
    for (InstructionSample s : generated.testHeldOut()) {
      for (String w : s.prompt().split(" ")) {
        assertTrue(trainingWords.contains(w), "held-out word '" + w + "' never occurs in training");
      }
    }
  }

  @Test
  void datasetRejectsAHeldOutSplitThatIsNotARewording() {
    List<InstructionSample> test = generated.test();
    List<InstructionSample> shorter = test.subList(0, test.size() - 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new InstructionDataset(generated.train(), test, shorter, generated.trainItemCounts()));
    assertTrue(e.getMessage().contains("testHeldOut"), e.getMessage());
    // the in-template prompts themselves are no rewording
    e = assertThrows(IllegalArgumentException.class,
        () -> new InstructionDataset(generated.train(), test, test, generated.trainItemCounts()));
    assertTrue(e.getMessage().contains("rewording"), e.getMessage());
    List<InstructionSample> swapped = new ArrayList<>(generated.testHeldOut());
    Collections.swap(swapped, 0, swapped.size() - 1);
    assertThrows(IllegalArgumentException.class,
        () -> new InstructionDataset(generated.train(), test, swapped, generated.trainItemCounts()));
  }
}
