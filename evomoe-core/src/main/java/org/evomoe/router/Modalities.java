package org.evomoe.router;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The modalities a model's tokens can have, in id order: how many there are and their names. The
 * per-modality routers ({@link ModalityLinearRouter}: one matrix per modality; {@link
 * DynamicTokenRouter}: one hypernetwork per modality) size and name their parameters by it
 * ({@code <prefix>.<name>.weight}, {@code <prefix>.hyper.<name>.*}, in id order), a MoE layer
 * checks its tokens' tags against it, and a saved layer records it. The default, {@link
 * #IMAGE_TEXT} = {@code [image, text]}, is what configuration files without a modality list mean.
 *
 * <p>JSON: the list of names, e.g. {@code ["image", "text", "audio"]}.
 *
 * @param names at least one and at most {@link #MAX} distinct names, each matching {@code
 *     [a-z][a-z0-9_]*} (they become parts of parameter names)
 */
public record Modalities(List<String> names) {
  /** Most modalities in one set. */
  public static final int MAX = 256;

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

  /** The default: image (id 0) and text (id 1). */
  public static final Modalities IMAGE_TEXT = new Modalities(List.of("image", "text"));

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public Modalities {
    if (names == null || names.isEmpty()) {
      throw new IllegalArgumentException("modalities must list at least one name, got " + names);
    }
    if (names.size() > MAX) {
      throw new IllegalArgumentException(
          "at most " + MAX + " modalities are supported, got " + names.size());
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < names.size(); i++) {
      String n = names.get(i);
      requireName(n);
      if (!seen.add(n)) {
        throw new IllegalArgumentException("modality name '" + n + "' is listed twice in " + names);
      }
    }
    names = List.copyOf(names);
  }

  /** The set of these names, id = position. */
  public static Modalities of(String... names) {
    return new Modalities(names == null ? null : List.of(names));
  }

  /** The names, in id order (the JSON form). */
  @Override
  @JsonValue
  public List<String> names() {
    return names;
  }

  /** Number of modalities M. */
  public int count() {
    return names.size();
  }

  /** The modality with id {@code id}. */
  public Modality get(int id) {
    if (id < 0 || id >= names.size()) {
      throw new IllegalArgumentException(
          "modality id " + id + " is not in [0, " + names.size() + ") of " + names);
    }
    String name = names.get(id);
    if (id == Modality.IMAGE.id() && name.equals(Modality.IMAGE.name())) {
      return Modality.IMAGE;
    }
    if (id == Modality.TEXT.id() && name.equals(Modality.TEXT.name())) {
      return Modality.TEXT;
    }
    return new Modality(id, name);
  }

  /** The modality called {@code name} (lower case). */
  public Modality get(String name) {
    int id = names.indexOf(name);
    if (id < 0) {
      throw new IllegalArgumentException("no modality '" + name + "' in " + names);
    }
    return get(id);
  }

  /** Every modality, in id order. */
  public List<Modality> all() {
    List<Modality> out = new ArrayList<>(names.size());
    for (int i = 0; i < names.size(); i++) {
      out.add(get(i));
    }
    return out;
  }

  /** Whether {@code m} is a modality of this set (same id and name). */
  public boolean contains(Modality m) {
    return m != null && m.id() < names.size() && names.get(m.id()).equals(m.name());
  }

  /**
   * Throws unless {@code tags} has length {@code tokens} and every tag is a modality of this set,
   * naming the first offending token, its tag and this set. Runs before anything is allocated.
   */
  public void validate(Modality[] tags, long tokens) {
    Modality.validate(tags, tokens);
    for (int t = 0; t < tags.length; t++) {
      Modality m = tags[t];
      if (!contains(m)) {
        throw new IllegalArgumentException("modality tag of token " + t + " is " + m.name()
            + " (id " + m.id() + "), which is not a modality of " + describe());
      }
    }
  }

  /**
   * The tags of numeric modality ids (e.g. a DL4J input column), checking each: an integer in
   * [0, M).
   *
   * @param ids one id per token
   * @param what names the source in errors, e.g. {@code "modality column"}
   * @param positions the position to name for token i in errors (e.g. its input row), or null for i
   * @throws IllegalArgumentException naming the first bad id and its position
   */
  public Modality[] fromIds(double[] ids, String what, int[] positions) {
    Modality[] all = all().toArray(new Modality[0]);
    Modality[] out = new Modality[ids.length];
    for (int i = 0; i < ids.length; i++) {
      double v = ids[i];
      if (!(v >= 0 && v < all.length && v == Math.rint(v))) {
        throw new IllegalArgumentException(what + " of row " + (positions == null ? i : positions[i])
            + " is " + v + ", not a modality id of " + describe());
      }
      out[i] = all[(int) v];
    }
    return out;
  }

  /** E.g. {@code [image, text, audio] (ids 0..2)}. */
  public String describe() {
    return names + " (ids 0.." + (names.size() - 1) + ")";
  }

  static void requireName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "modality name must match [a-z][a-z0-9_]* (it becomes part of parameter names), got "
              + (name == null ? "null" : "'" + name + "'"));
    }
  }
}
