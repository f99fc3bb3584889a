package org.evomoe.examples.study;

import java.util.List;
import org.evomoe.examples.pipeline.PipelineDiagnostics;

/**
 * One (seed, arm) cell: the arm trained from its seed's Stage I weights, and its scores. Saved as
 * {@code cells/seed-<seed>/<arm>/result.json} when the cell finishes.
 *
 * @param seed the seed
 * @param arm arm name
 * @param family initialisation family ("dense", "upcycled", "evolved")
 * @param evolution evolution reading of an evolved arm ("partial_update", "ema", "literal"), else null
 * @param routing the routing the trained layers run with, read from the model
 * @param trainableParameters scalars that trained in at least one of the arm's stages
 * @param postStage1Steps optimiser steps after Stage I (equal for every arm)
 * @param postStage1Sequences training sequences seen after Stage I (steps x batch)
 * @param scores the evaluation
 * @param stages the arm's stages
 * @param diagnostics routing diagnostics (MoE arms of the first seed only; else {@link
 *     PipelineDiagnostics#NONE})
 */
public record CellResult(
    long seed,
    String arm,
    String family,
    String evolution,
    ArmRouting routing,
    long trainableParameters,
    int postStage1Steps,
    long postStage1Sequences,
    Scores scores,
    List<StageRecord> stages,
    PipelineDiagnostics diagnostics) {}
