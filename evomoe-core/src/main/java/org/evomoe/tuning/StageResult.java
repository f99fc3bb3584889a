package org.evomoe.tuning;

/**
 * What a stage did.
 *
 * @param name stage name
 * @param losses mean training loss of each optimiser step [steps]
 * @param learningRates learning rate of each step [steps]
 * @param gradNorms global gradient norm before clipping of each step [steps]
 * @param trainedParameters number of scalars that trained
 * @param frozenParameters number of scalars that were frozen
 * @param seconds wall time
 */
public record StageResult(
    String name,
    double[] losses,
    double[] learningRates,
    double[] gradNorms,
    long trainedParameters,
    long frozenParameters,
    double seconds) {

  /** Mean loss over the last {@code n} steps (all steps when fewer). */
  public double finalLoss(int n) {
    int from = Math.max(0, losses.length - n);
    double s = 0;
    for (int i = from; i < losses.length; i++) {
      s += losses[i];
    }
    return s / Math.max(1, losses.length - from);
  }
}
