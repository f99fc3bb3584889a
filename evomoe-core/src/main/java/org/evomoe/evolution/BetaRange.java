package org.evomoe.evolution;

/**
 * The range {@code [lo, hi]} from which evolved expert number {@code expert} draws its beta,
 * uniformly and afresh, at every step. {@code lo == hi} fixes beta.
 *
 * @param expert the expert's 1-based number; the seed is expert 1, so evolved experts are {@code
 *     >= 2}
 * @param lo lower end, {@code 0 <= lo <= hi}
 * @param hi upper end, {@code hi <= 1}
 */
public record BetaRange(int expert, double lo, double hi) {

  public BetaRange {
    if (expert < 2) {
      throw new IllegalArgumentException(
          "beta ranges are for evolved experts, numbered from 2 (the seed is expert 1); got expert "
              + expert);
    }
    if (!(lo >= 0 && lo <= hi && hi <= 1)) {
      throw new IllegalArgumentException(
          "beta range of expert "
              + expert
              + " must satisfy 0 <= lo <= hi <= 1, got lo="
              + lo
              + ", hi="
              + hi);
    }
  }

  /** Maps a uniform draw {@code u} in {@code [0, 1)} into the range: {@code lo + (hi - lo) * u}. */
  double at(double u) {
    return lo + (hi - lo) * u;
  }

  @Override
  public String toString() {
    return "expert " + expert + ": [" + lo + ", " + hi + "]";
  }
}
