package org.evomoe.examples.study;

/**
 * An arm minus the baseline arm, seed by seed (both trained on the same batches of that seed).
 *
 * @param n number of seeds (pairs)
 * @param mean mean difference (positive: the arm scores higher)
 * @param sd standard deviation of the differences; NaN for n = 1
 * @param ciLow lower end of the 95% paired-t confidence interval of the mean difference
 * @param ciHigh upper end
 * @param wins seeds where the arm scores higher than the baseline
 * @param losses seeds where it scores lower
 * @param ties seeds with equal scores
 */
public record PairedDifference(int n, double mean, double sd, double ciLow, double ciHigh,
    int wins, int losses, int ties) {
  public PairedDifference {
    if (n < 1 || wins + losses + ties != n) {
      throw new IllegalArgumentException("wins + losses + ties must equal n >= 1, got " + wins
          + " + " + losses + " + " + ties + " vs " + n);
    }
  }
}
