package org.evomoe.examples.study;

/**
 * One task of one arm over seeds.
 *
 * @param accuracy mean accuracy over seeds
 * @param total samples of the task scored per seed
 * @param stats mean, standard deviation and 95% confidence interval over seeds
 * @param vsBaseline this arm minus the baseline arm, paired by seed; null for the baseline itself
 *     or when the baseline did not run
 */
public record TaskSummary(double accuracy, int total, Summary stats, PairedDifference vsBaseline) {}
