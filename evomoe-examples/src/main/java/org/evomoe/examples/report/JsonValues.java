package org.evomoe.examples.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Lenient reads of numbers from a results tree.
 *
 * <p>Jackson writes NaN and the infinities as the strings {@code "NaN"}, {@code "Infinity"} and
 * {@code "-Infinity"}; these read back as the corresponding doubles. A missing node, {@code null},
 * or any other non-numeric value reads as NaN, so callers test {@link Double#isFinite} once
 * instead of guarding every field.
 */
final class JsonValues {
  private JsonValues() {}

  /** The node's value as a double: numbers as they are, the non-finite strings decoded, else NaN. */
  static double number(JsonNode n) {
    if (n == null || n.isMissingNode() || n.isNull()) {
      return Double.NaN;
    }
    if (n.isNumber()) {
      return n.doubleValue();
    }
    if (n.isTextual()) {
      String t = n.textValue().trim();
      switch (t) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
        case "+Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          try {
            return Double.parseDouble(t);
          } catch (NumberFormatException e) {
            return Double.NaN;
          }
      }
    }
    return Double.NaN;
  }

  /** {@code true} when the node holds a finite number (see {@link #number}). */
  static boolean isFinite(JsonNode n) {
    return Double.isFinite(number(n));
  }

  /** The elements of an array node read with {@link #number}; empty when the node is not an array. */
  static double[] numbers(JsonNode n) {
    if (n == null || !n.isArray()) {
      return new double[0];
    }
    double[] out = new double[n.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = number(n.get(i));
    }
    return out;
  }

  /** The elements of an array node; empty when the node is not an array. */
  static List<JsonNode> elements(JsonNode n) {
    List<JsonNode> out = new ArrayList<>();
    if (n != null && n.isArray()) {
      n.forEach(out::add);
    }
    return out;
  }

  /** The node's text, or {@code fallback} when it is missing, null or a container. */
  static String text(JsonNode n, String fallback) {
    if (n == null || n.isMissingNode() || n.isNull() || n.isContainerNode()) {
      return fallback;
    }
    return n.asText();
  }
}
