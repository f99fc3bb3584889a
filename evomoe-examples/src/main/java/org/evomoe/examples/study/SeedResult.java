package org.evomoe.examples.study;

import java.util.List;

/**
 * Everything one seed produced.
 *
 * @param seed the seed
 * @param stage1 the Stage I model's scores
 * @param arms one cell per arm, in arm order
 */
public record SeedResult(long seed, Scores stage1, List<CellResult> arms) {}
