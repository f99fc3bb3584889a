package org.evomoe.examples.report;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One entry of the results' {@code stages} list.
 *
 * @param arm the arm that trained ({@code shared} for the stages every arm starts from)
 * @param stage the stage name
 * @param losses the loss of every step (non-finite values kept as they are)
 * @param node the whole JSON entry, for the other fields
 */
record TrainingStage(String arm, String stage, double[] losses, JsonNode node) {
  /** The arm name of the stages all arms share (alignment, Stage I). */
  static final String SHARED = "shared";

  static TrainingStage of(JsonNode n, int index) {
    return new TrainingStage(JsonValues.text(n.get("arm"), "?"),
        JsonValues.text(n.get("stage"), "stage " + (index + 1)), JsonValues.numbers(n.get("losses")), n);
  }

  boolean shared() {
    return SHARED.equals(arm);
  }

  /** How many losses are NaN or infinite. */
  int nonFinite() {
    int k = 0;
    for (double v : losses) {
      if (!Double.isFinite(v)) {
        k++;
      }
    }
    return k;
  }
}
