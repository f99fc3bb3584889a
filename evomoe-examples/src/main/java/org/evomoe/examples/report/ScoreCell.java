package org.evomoe.examples.report;

/**
 * What one column of the results table shows in one row.
 *
 * @param present whether the column has the entry at all (shown as {@code -} when not)
 * @param value the value (NaN when absent or undefined)
 * @param hasTotal whether the entry has a sample count (tasks and POPE probes; not the average)
 * @param total the sample count when {@code hasTotal}, else 0
 */
record ScoreCell(boolean present, double value, boolean hasTotal, int total) {
  /** A column without the entry. */
  static final ScoreCell ABSENT = new ScoreCell(false, Double.NaN, false, 0);

  ScoreCell {
    if (!present && (hasTotal || !Double.isNaN(value))) {
      throw new IllegalArgumentException("an absent entry has no value and no total");
    }
    if (!hasTotal && total != 0) {
      throw new IllegalArgumentException("a total of " + total + " for an entry without one");
    }
  }

  /** An entry with its value and sample count. */
  static ScoreCell of(double value, int total) {
    return new ScoreCell(true, value, true, total);
  }

  /** An entry without a sample count (the average). */
  static ScoreCell withoutTotal(double value) {
    return new ScoreCell(true, value, false, 0);
  }
}
