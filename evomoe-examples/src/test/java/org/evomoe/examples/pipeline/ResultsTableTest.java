package org.evomoe.examples.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
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
}
