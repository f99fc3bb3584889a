package org.evomoe.examples.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ResultsTableTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void logitRangeIsTheExtremeOverTheLayersCellsAndMissingWithoutCells() throws Exception {
    JsonNode arm = JSON.readTree("""
        {"arm": "evomoe", "diagnostics": {"routerLogits": {"cells": [
          {"layer": 0, "modality": "IMAGE", "expert": 0, "min": -2.5, "max": 1.0},
          {"layer": 0, "modality": "TEXT", "expert": 3, "min": -40000.0, "max": 7.0},
          {"layer": 1, "modality": "IMAGE", "expert": 1, "min": -1.0, "max": 99000.0}]}}}
        """);
    assertEquals(-40000.0, ResultsTable.logitExtreme(arm, 0, "min").asDouble());
    assertEquals(7.0, ResultsTable.logitExtreme(arm, 0, "max").asDouble());
    assertEquals(-1.0, ResultsTable.logitExtreme(arm, 1, "min").asDouble());
    assertEquals(99000.0, ResultsTable.logitExtreme(arm, 1, "max").asDouble());
    assertTrue(ResultsTable.logitExtreme(arm, 2, "max").isMissingNode());
    assertTrue(ResultsTable.logitExtreme(JSON.readTree("{\"arm\": \"dense\"}"), 0, "min").isMissingNode());
  }
}
