package org.evomoe.examples.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomoe.examples.study.PopeMetrics;
import org.evomoe.examples.study.Scores;
import org.evomoe.examples.study.StudyResults;
import org.evomoe.examples.study.TaskAccuracy;
import org.junit.jupiter.api.Test;

class ResultsTableTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void logitRangeIsTheExtremeOverTheLayersCellsAndNaNWithoutCells() throws Exception {
    PipelineDiagnostics d = JSON.readValue("""
        {"routerLogits": {"binEdges": [-1.0, 1.0], "separations": [], "cells": [
          {"layer": 0, "modality": "IMAGE", "expert": 0, "min": -2.5, "max": 1.0},
          {"layer": 0, "modality": "TEXT", "expert": 3, "min": -40000.0, "max": 7.0},
          {"layer": 1, "modality": "IMAGE", "expert": 1, "min": -1.0, "max": 99000.0}]}}
        """, PipelineDiagnostics.class);
    assertEquals(-40000.0, ResultsTable.logitExtreme(d, 0, true));
    assertEquals(7.0, ResultsTable.logitExtreme(d, 0, false));
    assertEquals(-1.0, ResultsTable.logitExtreme(d, 1, true));
    assertEquals(99000.0, ResultsTable.logitExtreme(d, 1, false));
    assertTrue(Double.isNaN(ResultsTable.logitExtreme(d, 2, false)));
    assertTrue(Double.isNaN(ResultsTable.logitExtreme(PipelineDiagnostics.NONE, 0, true)));
  }

  @Test
  void diagnosticsTableLeavesOutArmsWithoutDiagnostics() throws Exception {
    PipelineDiagnostics d = JSON.readValue("""
        {"shuffle": {"baseline": 0.5, "seeds": [1], "shuffled": [0.25], "shuffledMean": 0.25,
          "shuffledStd": 0.0, "delta": -0.25}}
        """, PipelineDiagnostics.class);
    Map<String, PipelineDiagnostics> arms = new LinkedHashMap<>();
    arms.put("dense", PipelineDiagnostics.NONE);
    arms.put("evomoe", d);
    String table = ResultsTable.renderDiagnostics(arms);
    assertTrue(table.startsWith("diagnostic") && table.contains("evomoe") && !table.contains("dense"),
        table);
    assertTrue(table.contains("shuffle test: routed average") && table.contains("0.5000"), table);
    assertTrue(table.contains("0.2500"), table);
    assertEquals("", ResultsTable.renderDiagnostics(Map.of("dense", PipelineDiagnostics.NONE)));
  }

  private static String resource(String name) throws Exception {
    try (java.io.InputStream in = ResultsTableTest.class.getResourceAsStream(name)) {
      org.junit.jupiter.api.Assertions.assertNotNull(in, name);
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private static String table(String results) throws Exception {
    StudyResults r = JSON.readValue(resource(results), StudyResults.class);
    Map<String, Scores> byArm = new LinkedHashMap<>();
    r.arms().forEach(a -> byArm.put(a.arm(), a.scores()));
    return ResultsTable.render(byArm);
  }

  /**
   * The table of a results.json is the one written when the table walked the JSON tree (the
   * goldens under {@code pipeline/}): NaN values and missing entries as {@code -}, held-out rows.
   */
  @Test
  void resultsTableIsTheOneTheTreeGave() throws Exception {
    assertEquals(resource("/pipeline/results-table.txt"),
        table("/study/previous-format/results.json"));
    assertEquals(resource("/pipeline/current-results-table.txt"),
        table("/report/current-results.json"));
  }

  @Test
  void missingAndNonFiniteScoresShowAsDashesAndHeldOutRowsOnlyWhenMeasured() {
    Map<String, TaskAccuracy> tasks = new LinkedHashMap<>();
    tasks.put("position", new TaskAccuracy(0.5, 1, 2));
    Scores a = new Scores(tasks, Map.of(), Double.NaN, null);
    Scores b = new Scores(Map.of(), Map.of("all", new PopeMetrics(1, 1, 1, 1, 0.5, 4)), 0.25, null);
    Map<String, Scores> byArm = new LinkedHashMap<>();
    byArm.put("a", a);
    byArm.put("long-arm-name-x", b);
    String t = ResultsTable.render(byArm);
    List<String> lines = t.lines().toList();
    assertEquals(String.format("%-28s%17s%17s", "metric", "a", "long-arm-name-x"), lines.get(0));
    assertEquals(String.format("%-28s%17s%17s", "accuracy position", "0.5000", "-"), lines.get(1));
    assertTrue(lines.contains(String.format("%-28s%17s%17s", "pope all yesRatio", "-", "0.5000")), t);
    assertTrue(lines.contains(String.format("%-28s%17s%17s", "average", "-", "0.2500")), t);
    assertTrue(t.lines().noneMatch(l -> l.startsWith("held-out")), t);
    byArm.put("b", new Scores(tasks, Map.of(), 0.5, new Scores(tasks, Map.of(), 0.5, null)));
    assertTrue(ResultsTable.render(byArm).contains("held-out position"));
  }
}
