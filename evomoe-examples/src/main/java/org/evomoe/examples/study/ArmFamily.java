package org.evomoe.examples.study;

/**
 * How an arm's experts start after Stage I, which fixes its training recipe (see {@link Arm}).
 */
public enum ArmFamily {
  /** No experts: the Stage I model trains on as a dense model. */
  DENSE,
  /**
   * Every expert a copy of the Stage I FFN (sparse upcycling); MoE-LLaVA's Stage III recipe:
   * experts and router train together, top-2 renormalised, load-balancing alpha = 0.01.
   */
  UPCYCLED,
  /**
   * EvoMoE's recipe: Stage II trains the seed FFN and evolves the other experts from it, then
   * Stage III trains only the router, top-1, alpha = 0.001.
   */
  EVOLVED
}
