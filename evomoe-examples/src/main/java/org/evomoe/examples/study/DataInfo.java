package org.evomoe.examples.study;

/**
 * The data of the run (sizes of the first seed; every seed draws sets of the same sizes).
 *
 * @param source "embedded subset" or the Fashion-MNIST folder
 * @param train training samples
 * @param test test samples
 * @param evaluated test samples scored per model
 * @param vocabulary tokenizer size
 * @param sequenceLength padded sequence length
 */
public record DataInfo(String source, int train, int test, int evaluated, int vocabulary,
    int sequenceLength) {}
