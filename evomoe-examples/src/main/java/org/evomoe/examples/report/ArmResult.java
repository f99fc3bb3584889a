package org.evomoe.examples.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.evomoe.examples.pipeline.PipelineDiagnostics;

/**
 * One entry of the results' {@code arms} list.
 *
 * @param name the arm name ({@code dense}, {@code moe-llava}, {@code evomoe})
 * @param node the whole JSON entry
 * @param diagnostics the entry's {@code diagnostics} bound to their records, or null when the entry
 *     has none (a report that was not measured is a null field)
 */
record ArmResult(String name, JsonNode node, PipelineDiagnostics diagnostics) {
  /** Binds diagnostics; fields a newer or older version added are ignored. */
  private static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * The arms of a results tree in file order; unnamed arms are called {@code arm <i>}.
   *
   * @throws IllegalArgumentException naming the arm when its diagnostics do not bind to {@link
   *     PipelineDiagnostics}
   */
  static List<ArmResult> all(JsonNode results) {
    List<ArmResult> out = new ArrayList<>();
    List<JsonNode> arms = JsonValues.elements(results.get("arms"));
    for (int i = 0; i < arms.size(); i++) {
      JsonNode arm = arms.get(i);
      String name = JsonValues.text(arm.get("arm"), "arm " + (i + 1));
      out.add(new ArmResult(name, arm, diagnostics(name, arm.get("diagnostics"))));
    }
    return out;
  }

  private static PipelineDiagnostics diagnostics(String arm, JsonNode n) {
    if (n == null || !n.isObject()) {
      return null;
    }
    try {
      return JSON.treeToValue(n, PipelineDiagnostics.class);
    } catch (JsonProcessingException | RuntimeException e) {
      String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.toString();
      throw new IllegalArgumentException("arm " + arm + ": diagnostics do not match the results"
          + " schema (docs/results-schema.md): " + why.lines().findFirst().orElse(""), e);
    }
  }

  /** Whether the arm has any diagnostic report (the dense arm has none). */
  boolean hasDiagnostics() {
    return diagnostics != null && diagnostics.measured();
  }
}
