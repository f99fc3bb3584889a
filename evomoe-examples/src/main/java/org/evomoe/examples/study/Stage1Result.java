package org.evomoe.examples.study;

import java.util.List;

/**
 * Alignment and Stage I of one seed (the starting point of every arm of the seed). Saved as
 * {@code cells/seed-<seed>/stage1/result.json} beside the weights, {@code weights.safetensors}.
 *
 * @param seed the seed
 * @param scores the Stage I model's evaluation
 * @param stages alignment (when it ran) and Stage I
 */
public record Stage1Result(long seed, Scores scores, List<StageRecord> stages) {}
