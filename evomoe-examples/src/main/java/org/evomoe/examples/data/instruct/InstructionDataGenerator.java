package org.evomoe.examples.data.instruct;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.evomoe.examples.data.FashionMnistClass;
import org.evomoe.examples.data.FashionMnistDataset;
import org.evomoe.examples.data.ItemCategory;

/**
 * Makes multimodal instruction data from Fashion-MNIST: canvases of 2 to 4 items with position,
 * counting, POPE existence and caption questions, plus text-only questions about the class
 * vocabulary.
 *
 * <p>Training canvases use only images of the training pool and test canvases only images of the
 * test pool. Each position, counting and caption sample gets a canvas of its own; each POPE pair
 * (a {@code yes} and a {@code no} question) shares one. The training split comes from one {@link
 * Random} seeded with {@link InstructionConfig#seed()}, in a fixed order: canvases, questions,
 * text-only samples, shuffle; the test split from a second one seeded from the seed, in the same
 * order, so it does not change with the training size (but for the class of POPE "popular"
 * negatives, which follows the training ranking); equal inputs give equal data.
 *
 * <p>Wording ({@link PromptTemplates}): each training question and each test question is worded
 * with one of its task's training templates; each test question is worded a second time with one
 * of its task's held-out templates ({@link InstructionDataset#testHeldOut()}, in the order of the
 * test split). Templates are drawn uniformly by three generators of their own (seeded from the
 * seed), so the questions themselves do not depend on the templates.
 *
 * <p>Answers: position -> class word or {@code nothing}; counting -> {@code zero..four}; POPE and
 * membership -> {@code yes} / {@code no}; caption -> the classes in reading order of their first
 * item, each with its count ("a bag" or "two bags"), joined as "x .", "x and y .", "x , y and z
 * ."; category -> {@code clothing} / {@code footwear} / {@code accessory}; choice -> the class word
 * that belongs to the category; plural -> the plural word. POPE negatives: see {@link PopeProbe};
 * "popular" uses the class frequencies of all training canvases, for both splits.
 */
public final class InstructionDataGenerator {
  private static final String[] NUMBER_WORDS = {"zero", "one", "two", "three", "four"};
  private static final int POPULAR_TOP_K = 3;
  private static final int MAX_ADVERSARIAL_ATTEMPTS = 10_000;
  /**
   * Seeds of the other generators: seed * this + 1 (training templates of the training split),
   * + 2 (held-out templates), + 3 (test questions), + 4 (training templates of the test split).
   */
  private static final long WORDING_MULTIPLIER = 0x9E3779B97F4A7C15L;

  /** Share of counting questions about one class, about a category, and about all items. */
  private static final double COUNT_CLASS_SHARE = 0.6;
  private static final double COUNT_CATEGORY_SHARE = 0.25;
  /** Chance that a class-counting question names a class present on the canvas. */
  private static final double COUNT_PRESENT_CLASS = 0.75;

  private InstructionDataGenerator() {}

  /** Generates both splits from the pools of {@code data}. */
  public static InstructionDataset generate(FashionMnistDataset data, InstructionConfig config) {
    Random rng = new Random(config.seed());
    // The test split has a generator of its own, so it does not change with the training size.
    Random testRng = new Random(config.seed() * WORDING_MULTIPLIER + 3);
    CanvasSampler trainSampler = new CanvasSampler(data.train(), config);
    CanvasSampler testSampler = new CanvasSampler(data.test(), config);

    SplitCanvases trainCanvases = SplitCanvases.draw(trainSampler, config.train(), rng);
    Map<FashionMnistClass, Integer> trainCounts = trainCanvases.itemCounts();
    List<FashionMnistClass> ranking = InstructionDataset.popularityRanking(trainCounts);
    List<Question> train = new ArrayList<>(config.train().total());
    trainCanvases.addImageQuestions(train, ranking, rng);
    addTextOnly(train, config.train().textOnly(), rng);
    Collections.shuffle(train, rng);

    SplitCanvases testCanvases = SplitCanvases.draw(testSampler, config.test(), testRng);
    List<Question> test = new ArrayList<>(config.test().total());
    testCanvases.addImageQuestions(test, ranking, testRng);
    addTextOnly(test, config.test().textOnly(), testRng);
    Collections.shuffle(test, testRng);

    // Wording: own generators, so the questions above do not depend on the templates.
    Random wording = new Random(config.seed() * WORDING_MULTIPLIER + 1);
    Random heldOutWording = new Random(config.seed() * WORDING_MULTIPLIER + 2);
    Random testWording = new Random(config.seed() * WORDING_MULTIPLIER + 4);
    return new InstructionDataset(
        render(train, false, wording),
        render(test, false, testWording),
        render(test, true, heldOutWording),
        trainCounts);
  }

  /** Renders each question with a template of its task drawn uniformly from the chosen set. */
  private static List<InstructionSample> render(List<Question> questions, boolean heldOut,
      Random rng) {
    List<InstructionSample> out = new ArrayList<>(questions.size());
    for (Question q : questions) {
      List<String> templates =
          heldOut ? PromptTemplates.heldOut(q.task()) : PromptTemplates.training(q.task());
      String template = templates.get(rng.nextInt(templates.size()));
      out.add(new InstructionSample(q.task(), q.canvas(), PromptTemplates.render(template, q.slots()),
          q.answer(), q.probe()));
    }
    return out;
  }

  /** A question before its wording: the task, the canvas, the slot values and the answer. */
  private record Question(
      InstructionTask task, Canvas canvas, Map<String, String> slots, String answer,
      PopeProbe probe) {}

  /** The canvases of one split, drawn before any question so frequencies are known. */
  private record SplitCanvases(
      List<Canvas> position,
      List<Canvas> counting,
      Map<PopeProbe, List<Canvas>> pope,
      List<Canvas> captions) {

    static SplitCanvases draw(CanvasSampler sampler, TaskCounts counts, Random rng) {
      List<Canvas> position = drawMany(sampler, counts.position(), rng);
      List<Canvas> counting = drawMany(sampler, counts.counting(), rng);
      Map<PopeProbe, List<Canvas>> pope = new EnumMap<>(PopeProbe.class);
      for (PopeProbe probe : PopeProbe.values()) {
        List<Canvas> canvases = new ArrayList<>(counts.popePairsPerProbe());
        for (int i = 0; i < counts.popePairsPerProbe(); i++) {
          canvases.add(
              probe == PopeProbe.ADVERSARIAL ? drawAdversarial(sampler, rng) : sampler.draw(rng));
        }
        pope.put(probe, canvases);
      }
      List<Canvas> captions = drawMany(sampler, counts.caption(), rng);
      return new SplitCanvases(position, counting, pope, captions);
    }

    Map<FashionMnistClass, Integer> itemCounts() {
      Map<FashionMnistClass, Integer> counts = new EnumMap<>(FashionMnistClass.class);
      for (FashionMnistClass c : FashionMnistClass.values()) {
        counts.put(c, 0);
      }
      List<Canvas> all = new ArrayList<>(position);
      all.addAll(counting);
      pope.values().forEach(all::addAll);
      all.addAll(captions);
      for (Canvas canvas : all) {
        for (CanvasItem item : canvas.items()) {
          counts.merge(item.itemClass(), 1, Integer::sum);
        }
      }
      return counts;
    }

    void addImageQuestions(List<Question> out, List<FashionMnistClass> ranking, Random rng) {
      for (Canvas canvas : position) {
        out.add(positionQuestion(canvas, rng));
      }
      for (Canvas canvas : counting) {
        out.add(countingQuestion(canvas, rng));
      }
      for (PopeProbe probe : PopeProbe.values()) {
        for (Canvas canvas : pope.get(probe)) {
          addPopePair(out, canvas, probe, ranking, rng);
        }
      }
      for (Canvas canvas : captions) {
        out.add(new Question(InstructionTask.CAPTION, canvas, Map.of(), caption(canvas), null));
      }
    }
  }

  private static List<Canvas> drawMany(CanvasSampler sampler, int n, Random rng) {
    List<Canvas> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(sampler.draw(rng));
    }
    return out;
  }

  private static Canvas drawAdversarial(CanvasSampler sampler, Random rng) {
    for (int attempt = 0; attempt < MAX_ADVERSARIAL_ATTEMPTS; attempt++) {
      Canvas canvas = sampler.draw(rng);
      if (!absentLookalikes(canvas).isEmpty()) {
        return canvas;
      }
    }
    throw new IllegalStateException(
        "no canvas with an absent look-alike class in "
            + MAX_ADVERSARIAL_ATTEMPTS
            + " draws from "
            + sampler.pool().description()
            + "; the pool or the canvas settings leave no room for adversarial probes");
  }

  /** Classes absent from the canvas that look like a class on it, in label order. */
  static Set<FashionMnistClass> absentLookalikes(Canvas canvas) {
    Set<FashionMnistClass> present = canvas.presentClasses();
    Set<FashionMnistClass> out = EnumSet.noneOf(FashionMnistClass.class);
    for (FashionMnistClass c : present) {
      out.addAll(c.lookalikes());
    }
    out.removeAll(present);
    return out;
  }

  private static Question positionQuestion(Canvas canvas, Random rng) {
    CanvasCell cell = CanvasCell.values()[rng.nextInt(CanvasCell.values().length)];
    String answer = canvas.itemAt(cell).map(item -> item.itemClass().word()).orElse("nothing");
    return new Question(
        InstructionTask.POSITION, canvas, Map.of("cell", cell.phrase()), answer, null);
  }

  private static Question countingQuestion(Canvas canvas, Random rng) {
    double kind = rng.nextDouble();
    String what;
    int count;
    if (kind < COUNT_CLASS_SHARE) {
      List<FashionMnistClass> present = new ArrayList<>(canvas.presentClasses());
      List<FashionMnistClass> absent = new ArrayList<>(absentClasses(canvas));
      boolean askPresent = rng.nextDouble() < COUNT_PRESENT_CLASS || absent.isEmpty();
      List<FashionMnistClass> from = askPresent ? present : absent;
      FashionMnistClass c = from.get(rng.nextInt(from.size()));
      what = c.pluralWord();
      count = canvas.count(c);
    } else if (kind < COUNT_CLASS_SHARE + COUNT_CATEGORY_SHARE) {
      ItemCategory category =
          rng.nextBoolean() ? ItemCategory.CLOTHING : ItemCategory.FOOTWEAR;
      what = category.word() + " items";
      count = canvas.count(category);
    } else {
      what = "items";
      count = canvas.items().size();
    }
    return new Question(
        InstructionTask.COUNTING, canvas, Map.of("what", what), NUMBER_WORDS[count], null);
  }

  private static void addPopePair(
      List<Question> out,
      Canvas canvas,
      PopeProbe probe,
      List<FashionMnistClass> ranking,
      Random rng) {
    List<FashionMnistClass> present = new ArrayList<>(canvas.presentClasses());
    FashionMnistClass yes = present.get(rng.nextInt(present.size()));
    List<FashionMnistClass> negatives =
        switch (probe) {
          case RANDOM -> new ArrayList<>(absentClasses(canvas));
          case POPULAR -> {
            List<FashionMnistClass> top = new ArrayList<>();
            for (FashionMnistClass c : ranking) {
              if (!canvas.contains(c) && top.size() < POPULAR_TOP_K) {
                top.add(c);
              }
            }
            yield top;
          }
          case ADVERSARIAL -> new ArrayList<>(absentLookalikes(canvas));
        };
    FashionMnistClass no = negatives.get(rng.nextInt(negatives.size()));
    out.add(existenceQuestion(canvas, yes, "yes", probe));
    out.add(existenceQuestion(canvas, no, "no", probe));
  }

  private static Question existenceQuestion(
      Canvas canvas, FashionMnistClass c, String answer, PopeProbe probe) {
    return new Question(InstructionTask.POPE, canvas, Map.of("class", c.word()), answer, probe);
  }

  private static Set<FashionMnistClass> absentClasses(Canvas canvas) {
    Set<FashionMnistClass> absent = EnumSet.allOf(FashionMnistClass.class);
    absent.removeAll(canvas.presentClasses());
    return absent;
  }

  /** "a bag .", "two bags and a coat .", "a bag , a coat and a boot ." */
  static String caption(Canvas canvas) {
    Map<FashionMnistClass, Integer> counts = new LinkedHashMap<>();
    for (CanvasItem item : canvas.items()) {
      counts.merge(item.itemClass(), 1, Integer::sum);
    }
    List<String> parts = new ArrayList<>(counts.size());
    counts.forEach(
        (c, n) -> parts.add(n == 1 ? "a " + c.word() : NUMBER_WORDS[n] + " " + c.pluralWord()));
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < parts.size(); i++) {
      if (i > 0) {
        sb.append(i == parts.size() - 1 ? " and " : " , ");
      }
      sb.append(parts.get(i));
    }
    return sb.append(" .").toString();
  }

  private static final InstructionTask[] TEXT_TASKS = {
    InstructionTask.TEXT_MEMBERSHIP,
    InstructionTask.TEXT_CATEGORY,
    InstructionTask.TEXT_CHOICE,
    InstructionTask.TEXT_PLURAL
  };

  /**
   * Text-only samples, tasks round-robin; membership questions alternate yes and no, so they are
   * balanced.
   */
  private static void addTextOnly(List<Question> out, int n, Random rng) {
    FashionMnistClass[] classes = FashionMnistClass.values();
    ItemCategory[] categories = ItemCategory.values();
    int membership = 0;
    for (int i = 0; i < n; i++) {
      InstructionTask task = TEXT_TASKS[i % TEXT_TASKS.length];
      FashionMnistClass c = classes[rng.nextInt(classes.length)];
      switch (task) {
        case TEXT_MEMBERSHIP -> {
          boolean yes = membership++ % 2 == 0;
          ItemCategory category = c.category();
          if (!yes) {
            List<ItemCategory> others = new ArrayList<>(List.of(categories));
            others.remove(c.category());
            category = others.get(rng.nextInt(others.size()));
          }
          out.add(
              textQuestion(
                  task, Map.of("class", c.word(), "category", category.word()), yes ? "yes" : "no"));
        }
        case TEXT_CATEGORY -> out.add(
            textQuestion(task, Map.of("class", c.word()), c.category().word()));
        case TEXT_CHOICE -> {
          ItemCategory category = c.category();
          List<FashionMnistClass> outside = new ArrayList<>();
          for (FashionMnistClass o : classes) {
            if (o.category() != category) {
              outside.add(o);
            }
          }
          FashionMnistClass other = outside.get(rng.nextInt(outside.size()));
          boolean rightFirst = rng.nextBoolean();
          FashionMnistClass first = rightFirst ? c : other;
          FashionMnistClass second = rightFirst ? other : c;
          out.add(
              textQuestion(
                  task,
                  Map.of("category", category.word(), "first", first.word(), "second",
                      second.word()),
                  c.word()));
        }
        case TEXT_PLURAL -> out.add(
            textQuestion(task, Map.of("class", c.word()), c.pluralWord()));
        default -> throw new IllegalStateException("not a text task: " + task);
      }
    }
  }

  private static Question textQuestion(
      InstructionTask task, Map<String, String> slots, String answer) {
    return new Question(task, null, slots, answer, null);
  }
}
