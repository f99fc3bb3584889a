package org.evomoe.examples.data.instruct;

/** The kinds of instruction samples; the first four ask about a canvas, the rest are text only. */
public enum InstructionTask {
  /** "what is at the top left ?" -> a class word, or {@code nothing} for an empty cell. */
  POSITION("position", true),
  /** "how many bags are there ?" -> a number word {@code zero..four}. */
  COUNTING("counting", true),
  /** POPE-style existence probe "is there a bag in the image ?" -> {@code yes} / {@code no}. */
  POPE("pope", true),
  /** "describe the image ." -> e.g. "two bags and a sneaker ." */
  CAPTION("caption", true),
  /** "is a sneaker a kind of footwear ?" -> {@code yes} / {@code no}. */
  TEXT_MEMBERSHIP("text-membership", false),
  /** "what kind of item is a sandal ?" -> {@code clothing}, {@code footwear} or {@code accessory}. */
  TEXT_CATEGORY("text-category", false),
  /** "which one is a kind of footwear : coat or boot ?" -> {@code boot}. */
  TEXT_CHOICE("text-choice", false),
  /** "what is the plural of dress ?" -> {@code dresses}. */
  TEXT_PLURAL("text-plural", false);

  private final String taskName;
  private final boolean usesImage;

  InstructionTask(String taskName, boolean usesImage) {
    this.taskName = taskName;
    this.usesImage = usesImage;
  }

  /** Stable lowercase name, e.g. {@code pope} or {@code text-plural}. */
  public String taskName() {
    return taskName;
  }

  /** Whether samples of this task come with a canvas. */
  public boolean usesImage() {
    return usesImage;
  }
}
