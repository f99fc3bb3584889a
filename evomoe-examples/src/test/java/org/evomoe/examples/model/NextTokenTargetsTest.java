package org.evomoe.examples.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class NextTokenTargetsTest {
  private static final int I = org.evomoe.nn.SoftmaxCrossEntropy.IGNORE;

  @Test
  void rowsPredictTheNextTokenOfTheirOwnSequence() {
    // Sequence 0: 2 image positions then tokens 5 6 7 8; sequence 1: text 1 2 3 4 5 6.
    int[] tokens = {0, 0, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6};
    DecoderInput in = new DecoderInput(2, 6, tokens, new int[] {2, 0}, Grad.normal(1, 2, 4));
    assertArrayEquals(new int[] {I, 5, 6, 7, 8, I, 2, 3, 4, 5, 6, I},
        NextTokenTargets.afterImages(in));
    // Answers start at position 4 in sequence 0 and 3 in sequence 1; sequence 1 has length 5.
    assertArrayEquals(new int[] {I, I, I, 7, 8, I, I, I, 4, 5, I, I},
        NextTokenTargets.of(in, new int[] {4, 3}, new int[] {6, 5}));
  }

  @Test
  void supervisionCannotStartInsideTheImage() {
    DecoderInput in = new DecoderInput(1, 4, new int[4], new int[] {2}, Grad.normal(1, 2, 4));
    assertThrows(IllegalArgumentException.class, () -> NextTokenTargets.of(in, new int[] {1}));
    assertThrows(IllegalArgumentException.class, () -> NextTokenTargets.of(in, new int[] {5}));
    assertThrows(IllegalArgumentException.class,
        () -> NextTokenTargets.of(in, new int[] {2}, new int[] {0}));
    assertThrows(IllegalArgumentException.class, () -> NextTokenTargets.of(in, new int[] {2, 2}));
  }
}
