package org.evomoe.examples.data;

/** What kind of article a Fashion-MNIST class is, used by counting and text-only questions. */
public enum ItemCategory {
  /** T-shirt/top, trouser, pullover, dress, coat, shirt. */
  CLOTHING("clothing"),
  /** Sandal, sneaker, ankle boot. */
  FOOTWEAR("footwear"),
  /** Bag. */
  ACCESSORY("accessory");

  private final String word;

  ItemCategory(String word) {
    this.word = word;
  }

  /** The single lowercase word used in prompts and answers. */
  public String word() {
    return word;
  }
}
