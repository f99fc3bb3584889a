package org.evomoe.examples.text;

/** The special tokens of {@link WordTokenizer}; each one's id is its ordinal, 0..4. */
public enum SpecialToken {
  /** Padding, id 0. */
  PAD("<pad>"),
  /** Beginning of sequence, id 1. */
  BOS("<bos>"),
  /** End of sequence, id 2. */
  EOS("<eos>"),
  /** Any word not in the vocabulary, id 3. */
  UNK("<unk>"),
  /** Stands for the image in a sequence, id 4. */
  IMAGE("<image>");

  private final String text;

  SpecialToken(String text) {
    this.text = text;
  }

  /** The token as written, e.g. {@code <image>}. */
  public String text() {
    return text;
  }

  /** The token id, equal to the ordinal. */
  public int id() {
    return ordinal();
  }
}
