package org.evomoe.examples.cli;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import org.evomoe.examples.study.Scores;

/**
 * What {@code evomoe eval --json} prints: the model's name and its scores, whose fields ({@code
 * tasks}, {@code pope}, {@code average}, {@code heldOut}) sit next to {@code arm} in one object.
 *
 * @param arm the model's name (the checkpoint folder's file name)
 * @param scores the evaluation, in-template and held-out
 */
public record EvalScores(String arm, @JsonUnwrapped Scores scores) {
  public EvalScores {
    if (arm == null || arm.isBlank()) {
      throw new IllegalArgumentException("an evaluated model needs a name, got " + arm);
    }
    if (scores == null) {
      throw new IllegalArgumentException("model " + arm + " has no scores");
    }
  }
}
