package org.evomoe.examples.report;

import org.evomoe.examples.study.StageRecord;

/**
 * One entry of the results' {@code stages} list, with the names the report shows.
 *
 * @param arm the arm that trained ({@code shared} for the stages every arm starts from; {@code ?}
 *     when the entry names none)
 * @param stage the stage name ({@code stage <i>} when the entry names none)
 * @param losses the loss of every step (non-finite values kept as they are; empty when absent)
 * @param record the entry as bound from the file, for the other fields
 */
record TrainingStage(String arm, String stage, double[] losses, StageRecord record) {
  /** The arm name of the stages all arms share (alignment, Stage I). */
  static final String SHARED = "shared";

  TrainingStage {
    if (arm == null || stage == null || losses == null || record == null) {
      throw new IllegalArgumentException("a training stage needs its arm, name, losses and entry");
    }
  }

  /** Entry {@code index} (0-based) of the stages list. */
  static TrainingStage of(StageRecord r, int index) {
    return new TrainingStage(r.arm() == null ? "?" : r.arm(),
        r.stage() == null ? "stage " + (index + 1) : r.stage(),
        r.losses() == null ? new double[0] : r.losses(), r);
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
