package org.evomoe.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.evomoe.examples.study.PopeMetrics;
import org.evomoe.examples.study.Scores;
import org.evomoe.examples.study.TaskAccuracy;
import org.junit.jupiter.api.Test;

class EvalScoresTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Scores scores(double average, Scores heldOut) {
    Map<String, TaskAccuracy> tasks = new LinkedHashMap<>();
    tasks.put("position", new TaskAccuracy(0.75, 3, 4));
    tasks.put("counting", new TaskAccuracy(Double.NaN, 0, 0));
    Map<String, PopeMetrics> pope = new LinkedHashMap<>();
    pope.put("random", new PopeMetrics(0.5, Double.NaN, 0.0, 0.0, 0.0, 8));
    pope.put("all", new PopeMetrics(0.625, 1.0, 0.25, 0.4, 0.125, 16));
    return new Scores(tasks, pope, average, heldOut);
  }

  /** The line {@code eval --json} printed when it built a JSON tree: arm, then the scores' fields. */
  private static String treeLine(String arm, Scores s) throws Exception {
    ObjectNode results = JSON.createObjectNode();
    ObjectNode node = results.putArray("arms").addObject();
    node.put("arm", arm);
    node.setAll((ObjectNode) JSON.valueToTree(s));
    return JSON.writeValueAsString(node);
  }

  @Test
  void jsonLineIsTheOneTheTreeGave() throws Exception {
    Scores withHeldOut = scores(0.375, scores(Double.POSITIVE_INFINITY, null));
    assertEquals(treeLine("evomoe", withHeldOut),
        JSON.writeValueAsString(new EvalScores("evomoe", withHeldOut)));
    Scores without = scores(0.375, null);
    assertEquals(treeLine("model", without),
        JSON.writeValueAsString(new EvalScores("model", without)));
  }

  @Test
  void needsANameAndScores() {
    assertThrows(IllegalArgumentException.class, () -> new EvalScores(" ", scores(0, null)));
    assertThrows(IllegalArgumentException.class, () -> new EvalScores("m", null));
  }
}
