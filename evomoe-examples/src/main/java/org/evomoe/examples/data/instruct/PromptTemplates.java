package org.evomoe.examples.data.instruct;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The prompt wordings of every task: <b>training</b> templates, used for the training split and
 * for the in-template test prompts, and <b>held-out</b> templates, paraphrases that never occur in
 * training and are used only for the held-out test prompts.
 *
 * <p>A template is a prompt with slots in braces: {@code {cell}} (a cell phrase such as {@code top
 * left}), {@code {what}} (what is counted: a plural class word, {@code clothing items}, {@code
 * footwear items} or {@code items}), {@code {class}} (a class word), {@code {category}} (a
 * category word), {@code {first}} and {@code {second}} (the two options of a choice). Every
 * template of a task uses exactly the slots of that task. Held-out templates use only words that
 * training prompts and answers also contain, so a held-out prompt is a new phrasing of known words,
 * never a prompt with untrained word embeddings (a test checks it).
 */
public final class PromptTemplates {
  private static final Pattern SLOT = Pattern.compile("\\{(\\w+)}");

  private static final Map<InstructionTask, List<String>> TRAINING =
      new EnumMap<>(InstructionTask.class);
  private static final Map<InstructionTask, List<String>> HELD_OUT =
      new EnumMap<>(InstructionTask.class);

  static {
    define(InstructionTask.POSITION,
        List.of("what is at the {cell} ?", "which item is in the {cell} ?"),
        List.of("what item is at the {cell} of the image ?", "in the image , what is in the {cell} ?"));
    define(InstructionTask.COUNTING,
        List.of("how many {what} are there ?", "count the {what} in the image ."),
        List.of("how many {what} are in the image ?", "count how many {what} there are ."));
    define(InstructionTask.POPE,
        List.of("is there a {class} in the image ?", "does the image show a {class} ?"),
        List.of("is a {class} in the image ?", "does a {class} show in the image ?"));
    define(InstructionTask.CAPTION,
        List.of("describe the image .", "what does the image show ?"),
        List.of("what items are in the image ?", "describe the items in the image ."));
    define(InstructionTask.TEXT_MEMBERSHIP,
        List.of("is a {class} a kind of {category} ?", "does a {class} count as {category} ?"),
        List.of("is a {class} a {category} item ?", "a {class} is a kind of {category} , yes or no ?"));
    define(InstructionTask.TEXT_CATEGORY,
        List.of("what kind of item is a {class} ?", "a {class} is which kind of item ?"),
        List.of("which kind of item is a {class} ?", "what does a {class} count as ?"));
    define(InstructionTask.TEXT_CHOICE,
        List.of("which one is a kind of {category} : {first} or {second} ?",
            "{first} or {second} : which is {category} ?"),
        List.of("which is a {category} item , {first} or {second} ?",
            "{first} or {second} , which one is a kind of {category} ?"));
    define(InstructionTask.TEXT_PLURAL,
        List.of("what is the plural of {class} ?", "the plural of {class} is what ?"),
        List.of("one {class} , two what ?", "{class} : what is the plural ?"));
  }

  private PromptTemplates() {}

  private static void define(InstructionTask task, List<String> training, List<String> heldOut) {
    TRAINING.put(task, List.copyOf(training));
    HELD_OUT.put(task, List.copyOf(heldOut));
  }

  /** The training templates of a task (the first is the original wording), never empty. */
  public static List<String> training(InstructionTask task) {
    return TRAINING.get(task);
  }

  /** The held-out templates of a task, disjoint from its training templates, never empty. */
  public static List<String> heldOut(InstructionTask task) {
    return HELD_OUT.get(task);
  }

  /**
   * Fills the slots of {@code template} from {@code slots}.
   *
   * @throws IllegalArgumentException if a slot of the template has no value
   */
  public static String render(String template, Map<String, String> slots) {
    Matcher m = SLOT.matcher(template);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String value = slots.get(m.group(1));
      if (value == null) {
        throw new IllegalArgumentException(
            "template '" + template + "' needs slot {" + m.group(1) + "}, given " + slots.keySet());
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(value));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** The slot names of a template, in order of appearance. */
  public static List<String> slots(String template) {
    return SLOT.matcher(template).results().map(r -> r.group(1)).toList();
  }
}
