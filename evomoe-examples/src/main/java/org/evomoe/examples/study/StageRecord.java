package org.evomoe.examples.study;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One training stage of one model.
 *
 * @param arm "shared" for alignment and Stage I, else the arm name
 * @param stage stage name
 * @param steps optimiser steps
 * @param seconds wall time of the steps run in this process (a resumed stage counts only the
 *     steps after the checkpoint)
 * @param trainedParameters scalars that trained
 * @param frozenParameters scalars that were frozen
 * @param losses mean training loss of each step [steps]
 * @param validation the validation-loss curve of the stage, or null when validation is off
 * @param tokensPerSecond training tokens per second, written by results.json version 1 only: null
 *     (and left out of the JSON) in files written now, read back for the report of older files
 */
public record StageRecord(String arm, String stage, int steps, double seconds,
    long trainedParameters, long frozenParameters, double[] losses, ValidationCurve validation,
    @JsonInclude(JsonInclude.Include.NON_NULL) Double tokensPerSecond) {}
