package org.evomoe.examples.study;

/**
 * Mean, spread and 95% confidence interval of one metric over seeds.
 *
 * @param n number of seeds
 * @param mean sample mean
 * @param sd sample standard deviation (n - 1 in the denominator); NaN for n = 1
 * @param ciLow lower end of the 95% Student-t confidence interval of the mean; NaN for n = 1
 * @param ciHigh upper end; NaN for n = 1
 */
public record Summary(int n, double mean, double sd, double ciLow, double ciHigh) {
  public Summary {
    if (n < 1) {
      throw new IllegalArgumentException("a summary needs at least one value, got n = " + n);
    }
  }
}
