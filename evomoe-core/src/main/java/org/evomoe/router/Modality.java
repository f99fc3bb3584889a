package org.evomoe.router;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/**
 * The modality tag of a token, known from how the sequence was built: its id (its position in the
 * layer's {@link Modalities}) and its name. Which modalities exist, and how many, is configuration
 * ({@link Modalities}); {@link #IMAGE} and {@link #TEXT} are the two of the default set {@link
 * Modalities#IMAGE_TEXT}. A tag of another set is made with {@link Modalities#get(String)}.
 *
 * <p>Routers check every tag against their set ({@link Modalities#validate}): the id must be below
 * the set's size and the name must be the set's name for that id.
 *
 * <p>Reports print a modality by its upper-case name ({@link #label()}: {@code IMAGE}, {@code
 * TEXT}, {@code AUDIO}); parameter names and configuration files use the lower-case name.
 *
 * @param id position in the modality set, &gt;= 0
 * @param name lower-case name ({@link Modalities} names: {@code [a-z][a-z0-9_]*})
 */
public record Modality(int id, String name) {
  /** Image tokens: id 0 of {@link Modalities#IMAGE_TEXT}. */
  public static final Modality IMAGE = new Modality(0, "image");
  /** Text tokens: id 1 of {@link Modalities#IMAGE_TEXT}. */
  public static final Modality TEXT = new Modality(1, "text");

  public Modality {
    if (id < 0) {
      throw new IllegalArgumentException("modality id must be >= 0, got " + id);
    }
    Modalities.requireName(name);
  }

  /** The upper-case name, as reports print it ({@code IMAGE}). */
  @JsonValue
  public String label() {
    return name.toUpperCase(Locale.ROOT);
  }

  /** {@link #label()}. */
  @Override
  public String toString() {
    return label();
  }

  /**
   * {@link #IMAGE} or {@link #TEXT} by name, in either case (e.g. {@code "IMAGE"}); the
   * modalities of another set come from that set ({@link Modalities#get(String)}). Also reads a
   * modality back from JSON, as a value or a map key.
   */
  @JsonCreator
  public static Modality valueOf(String name) {
    return Modalities.IMAGE_TEXT.get(name == null ? null : name.toLowerCase(Locale.ROOT));
  }

  /** T copies of one tag. */
  public static Modality[] all(int tokens, Modality m) {
    Modality[] a = new Modality[tokens];
    Arrays.fill(a, m);
    return a;
  }

  /**
   * Throws unless {@code tags} has length {@code tokens} and no null entry (the check of a layer
   * that accepts any modality; routers check against their set with {@link Modalities#validate}).
   */
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
