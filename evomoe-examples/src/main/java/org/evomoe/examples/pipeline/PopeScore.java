package org.evomoe.examples.pipeline;

/**
 * POPE metrics of one probe set ("random", "popular", "adversarial" or "all"), with "yes" as the
 * positive class. The prediction is the first answer token; anything but "yes" counts as "no".
 */
public record PopeScore(String probe, int truePositive, int falsePositive, int trueNegative,
    int falseNegative) {
  public int total() {
    return truePositive + falsePositive + trueNegative + falseNegative;
  }

  public double accuracy() {
    return total() == 0 ? Double.NaN : (truePositive + trueNegative) / (double) total();
  }

  public double precision() {
    int p = truePositive + falsePositive;
    return p == 0 ? 0.0 : truePositive / (double) p;
  }

  public double recall() {
    int p = truePositive + falseNegative;
    return p == 0 ? 0.0 : truePositive / (double) p;
  }

  public double f1() {
    double p = precision();
    double r = recall();
    return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
  }

  /** Share of "yes" predictions. */
  public double yesRatio() {
    return total() == 0 ? Double.NaN : (truePositive + falsePositive) / (double) total();
  }

  PopeScore add(boolean truthYes, boolean predYes) {
    return new PopeScore(probe,
        truePositive + (truthYes && predYes ? 1 : 0),
        falsePositive + (!truthYes && predYes ? 1 : 0),
        trueNegative + (!truthYes && !predYes ? 1 : 0),
        falseNegative + (truthYes && !predYes ? 1 : 0));
  }
}
