package org.evomoe.examples.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of the results' {@code arms} list.
 *
 * @param name the arm name ({@code dense}, {@code moe-llava}, {@code evomoe})
 * @param node the whole JSON entry
 */
record ArmResult(String name, JsonNode node) {
  /** The arms of a results tree in file order; unnamed arms are called {@code arm <i>}. */
  static List<ArmResult> all(JsonNode results) {
    List<ArmResult> out = new ArrayList<>();
    List<JsonNode> arms = JsonValues.elements(results.get("arms"));
    for (int i = 0; i < arms.size(); i++) {
      out.add(new ArmResult(JsonValues.text(arms.get(i).get("arm"), "arm " + (i + 1)), arms.get(i)));
    }
    return out;
  }

  /** {@code diagnostics.<key>} of this arm, or a missing node. */
  JsonNode diagnostic(String key) {
    return node.path("diagnostics").path(key);
  }

  /** Whether the arm has a {@code diagnostics} object at all (the dense arm has none). */
  boolean hasDiagnostics() {
    return node.path("diagnostics").isObject();
  }
}
