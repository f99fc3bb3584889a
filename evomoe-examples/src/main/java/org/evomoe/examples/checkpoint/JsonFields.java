package org.evomoe.examples.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.evomoe.checkpoint.CheckpointFormatException;
import org.evomoe.checkpoint.CheckpointFormatException.Reason;

/**
 * Typed access to the fields of one JSON object of a file, each problem a {@link
 * CheckpointFormatException} naming the file and the field's path (e.g. {@code
 * vision_config.patch_size}). A field holding JSON {@code null} counts as absent.
 */
final class JsonFields {
  private final Path file;
  private final String path; // "" at the root, else "name."
  private final JsonNode node;
  private final Set<String> used = new TreeSet<>();

  private JsonFields(Path file, String path, JsonNode node) {
    this.file = file;
    this.path = path;
    this.node = node;
  }

  /** The fields of a root object (already checked to be an object). */
  static JsonFields root(Path file, JsonNode object) {
    return new JsonFields(file, "", object);
  }

  Path file() {
    return file;
  }

  /** Whether the field is present and not null. */
  boolean has(String name) {
    used.add(name);
    JsonNode v = node.get(name);
    return v != null && !v.isNull();
  }

  /** An int field that must be present. */
  int requiredInt(String name) throws CheckpointFormatException {
    return intValue(name, required(name));
  }

  /** An int field, or {@code fallback} when absent. */
  int optionalInt(String name, int fallback) throws CheckpointFormatException {
    JsonNode v = optional(name);
    return v == null ? fallback : intValue(name, v);
  }

  /** A number field that must be present (an integer such as 10000 is accepted). */
  double requiredDouble(String name) throws CheckpointFormatException {
    return doubleValue(name, required(name));
  }

  /** A number field, or {@code fallback} when absent. */
  double optionalDouble(String name, double fallback) throws CheckpointFormatException {
    JsonNode v = optional(name);
    return v == null ? fallback : doubleValue(name, v);
  }

  /** A boolean field, or {@code fallback} when absent. */
  boolean optionalBoolean(String name, boolean fallback) throws CheckpointFormatException {
    JsonNode v = optional(name);
    if (v == null) {
      return fallback;
    }
    if (!v.isBoolean()) {
      throw typeError(name, "a boolean", v);
    }
    return v.booleanValue();
  }

  /** A string field that must be present. */
  String requiredString(String name) throws CheckpointFormatException {
    return stringValue(name, required(name));
  }

  /** A string field, or {@code fallback} when absent. */
  String optionalString(String name, String fallback) throws CheckpointFormatException {
    JsonNode v = optional(name);
    return v == null ? fallback : stringValue(name, v);
  }

  /** An array of ints that must be present. */
  int[] requiredIntArray(String name) throws CheckpointFormatException {
    JsonNode v = required(name);
    if (!v.isArray()) {
      throw typeError(name, "an array of integers", v);
    }
    int[] out = new int[v.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = intValue(name + "[" + i + "]", v.get(i));
    }
    return out;
  }

  /** An array of strings that must be present. */
  List<String> requiredStringArray(String name) throws CheckpointFormatException {
    JsonNode v = required(name);
    if (!v.isArray()) {
      throw typeError(name, "an array of strings", v);
    }
    List<String> out = new ArrayList<>(v.size());
    for (int i = 0; i < v.size(); i++) {
      out.add(stringValue(name + "[" + i + "]", v.get(i)));
    }
    return out;
  }

  /** A nested object that must be present. */
  JsonFields requiredObject(String name) throws CheckpointFormatException {
    JsonNode v = required(name);
    if (!v.isObject()) {
      throw typeError(name, "an object", v);
    }
    return new JsonFields(file, path + name + ".", v);
  }

  /** A nested object, or null when absent. */
  JsonFields optionalObject(String name) throws CheckpointFormatException {
    JsonNode v = optional(name);
    if (v == null) {
      return null;
    }
    if (!v.isObject()) {
      throw typeError(name, "an object", v);
    }
    return new JsonFields(file, path + name + ".", v);
  }

  /** The raw value of a field, or null when absent (marks it as used). */
  JsonNode optional(String name) {
    used.add(name);
    JsonNode v = node.get(name);
    return v == null || v.isNull() ? null : v;
  }

  /** Throws naming every field of this object that none of the accessors asked for. */
  void rejectUnknownFields() throws CheckpointFormatException {
    List<String> unknown = new ArrayList<>();
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (!used.contains(n)) {
        unknown.add(path + n);
      }
    }
    if (!unknown.isEmpty()) {
      throw error("unknown field" + (unknown.size() > 1 ? "s " : " ") + unknown
          + " (known: " + used + ")");
    }
  }

  /** An error about field {@code name} of this object. */
  CheckpointFormatException fieldError(String name, String detail) {
    return error("field " + path + name + " " + detail);
  }

  /** An error about the file. */
  CheckpointFormatException error(String detail) {
    return new CheckpointFormatException(Reason.MALFORMED_HEADER, file, null, 0, detail);
  }

  private JsonNode required(String name) throws CheckpointFormatException {
    JsonNode v = optional(name);
    if (v == null) {
      throw fieldError(name, "is missing");
    }
    return v;
  }

  private int intValue(String name, JsonNode v) throws CheckpointFormatException {
    if (v == null || !v.isIntegralNumber()) {
      throw typeError(name, "an integer", v);
    }
    if (!v.canConvertToInt()) {
      throw fieldError(name, "is " + v + ", outside the int range");
    }
    return v.intValue();
  }

  private double doubleValue(String name, JsonNode v) throws CheckpointFormatException {
    if (v == null || !v.isNumber()) {
      throw typeError(name, "a number", v);
    }
    double d = v.doubleValue();
    if (!Double.isFinite(d)) {
      throw fieldError(name, "is " + v + ", not a finite number");
    }
    return d;
  }

  private String stringValue(String name, JsonNode v) throws CheckpointFormatException {
    if (v == null || !v.isTextual()) {
      throw typeError(name, "a string", v);
    }
    return v.textValue();
  }

  private CheckpointFormatException typeError(String name, String expected, JsonNode v) {
    return fieldError(name, "must be " + expected + ", found " + describe(v));
  }

  /** A short description of a JSON value for messages, e.g. {@code a string "two"}. */
  static String describe(JsonNode v) {
    return JsonValueText.describe(v);
  }

}
