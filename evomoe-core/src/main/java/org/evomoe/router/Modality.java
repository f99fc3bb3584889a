package org.evomoe.router;

import java.util.Arrays;

/**
 * The modality tag of a token, known from how the sequence was built. Routers that treat
 * modalities separately size their per-modality weights by {@code Modality.values().length}, so a
 * new constant (e.g. AUDIO) needs no router change.
 */
public enum Modality {
  IMAGE,
  TEXT;

  /** T copies of one tag. */
  public static Modality[] all(int tokens, Modality m) {
    Modality[] a = new Modality[tokens];
    Arrays.fill(a, m);
    return a;
  }

  /** Throws unless {@code tags} has length {@code tokens} and no null entry. */
  public static void validate(Modality[] tags, long tokens) {
    if (tags == null) {
      throw new IllegalArgumentException("modality tags must not be null");
    }
    if (tags.length != tokens) {
      throw new IllegalArgumentException(
          "modality tags length " + tags.length + " does not match token count " + tokens);
    }
    for (int i = 0; i < tags.length; i++) {
      if (tags[i] == null) {
        throw new IllegalArgumentException("modality tag of token " + i + " is null");
      }
    }
  }
}
