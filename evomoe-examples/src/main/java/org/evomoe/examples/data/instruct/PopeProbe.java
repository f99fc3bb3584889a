package org.evomoe.examples.data.instruct;

/**
 * How the absent class of a POPE negative question is chosen (Li et al., "Evaluating Object
 * Hallucination in Large Vision-Language Models", 2023). Each probe set holds as many {@code yes}
 * questions (a class present on the canvas) as {@code no} questions.
 */
public enum PopeProbe {
  /** Any class absent from the canvas, uniformly. */
  RANDOM("random"),
  /** One of the three most frequent classes in the training canvases that are absent. */
  POPULAR("popular"),
  /** A look-alike of a class on the canvas that is itself absent. */
  ADVERSARIAL("adversarial");

  private final String probeName;

  PopeProbe(String probeName) {
    this.probeName = probeName;
  }

  /** Stable lowercase name. */
  public String probeName() {
    return probeName;
  }
}
