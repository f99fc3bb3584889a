package org.evomoe.examples.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;

/** JSON values as error messages name them, e.g. {@code a string "yes"} or {@code an integer 2}. */
public final class JsonValueText {
  private JsonValueText() {}

  /** The value's kind and its text (cut at 80 characters); "nothing" for a missing value. */
  public static String describe(JsonNode v) {
    if (v == null || v.isMissingNode()) {
      return "nothing";
    }
    if (v.isNull()) {
      return "null";
    }
    String text = v.toString();
    if (text.length() > 80) {
      text = text.substring(0, 80) + "...";
    }
    String kind = v.isTextual() ? "a string"
        : v.isIntegralNumber() ? "an integer"
        : v.isNumber() ? "a number"
        : v.isBoolean() ? "a boolean"
        : v.isArray() ? "an array"
        : v.isObject() ? "an object"
        : "a value";
    return kind + " " + text;
  }
}
