package org.evomoe.examples.study;

/**
 * Accuracy of one task in one evaluation.
 *
 * @param accuracy correct / total (NaN when total = 0)
 * @param correct samples answered exactly (-1 in a mean over seeds)
 * @param total samples scored
 */
public record TaskAccuracy(double accuracy, int correct, int total) {}
