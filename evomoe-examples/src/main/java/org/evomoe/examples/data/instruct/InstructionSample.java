package org.evomoe.examples.data.instruct;

import java.util.Objects;

/**
 * One instruction-following example: an optional canvas, a prompt and the expected answer.
 *
 * <p>Texts are lowercase words and punctuation separated by single spaces, e.g. prompt {@code is
 * there a bag in the image ?}, answer {@code yes}; they hold no special tokens (the model input
 * places the image tokens before the prompt).
 *
 * @param task what is asked
 * @param canvas the image, present exactly when {@code task.usesImage()}
 * @param prompt the question or instruction
 * @param answer the expected answer
 * @param probe the POPE probe set, present exactly when the task is {@link InstructionTask#POPE}
 */
public record InstructionSample(
    InstructionTask task, Canvas canvas, String prompt, String answer, PopeProbe probe) {
  public InstructionSample {
    Objects.requireNonNull(task, "task");
    if (task.usesImage() != (canvas != null)) {
      throw new IllegalArgumentException(
          "task " + task.taskName() + (task.usesImage() ? " needs a canvas" : " takes no canvas"));
    }
    if ((task == InstructionTask.POPE) != (probe != null)) {
      throw new IllegalArgumentException(
          "a POPE probe type is required for task pope and only for it, got task "
              + task.taskName() + " with probe " + probe);
    }
    if (prompt == null || prompt.isBlank()) {
      throw new IllegalArgumentException("prompt must be non-blank");
    }
    if (answer == null || answer.isBlank()) {
      throw new IllegalArgumentException("answer must be non-blank");
    }
  }

  /** Whether the sample has a canvas. */
  public boolean hasImage() {
    return canvas != null;
  }

  /** The canvas pixels as floats in [0, 1], row-major [56, 56]; only for samples with an image. */
  public float[] pixels() {
    if (canvas == null) {
      throw new IllegalStateException("text-only sample (" + task.taskName() + ") has no pixels");
    }
    return canvas.pixelsAsFloats();
  }
}
