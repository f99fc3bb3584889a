package org.evomoe.examples.study;

import java.util.Arrays;
import java.util.List;
import org.evomoe.evolution.EvolutionRule;
import org.evomoe.router.RouterKind;

/**
 * One arm of the paired comparison. Every arm starts from the same Stage I weights of a seed and
 * gets the same number of post-Stage-I steps on the same batches.
 *
 * <p>Routing convention: the initialisation family fixes the recipe ({@link ArmFamily}): upcycled
 * arms follow MoE-LLaVA (top-2 renormalised, alpha 0.01, experts and router train), evolved arms
 * follow EvoMoE (Stage II evolution, then Stage III router only, top-1, alpha 0.001). Within a
 * family only the router kind (and for the evolved DTR arms the evolution reading) varies, so a
 * difference between two arms of one family is the router's (or the reading's).
 */
public enum Arm {
  DENSE("dense", ArmFamily.DENSE, null, null),
  /** MoE-LLaVA: upcycled copies, linear router; the baseline of the paired differences. */
  MOE_LLAVA("moe-llava", ArmFamily.UPCYCLED, RouterKind.LINEAR, null),
  UPCYCLED_MODALITY_LINEAR("upcycled-modality-linear", ArmFamily.UPCYCLED, RouterKind.MODALITY_LINEAR, null),
  UPCYCLED_DTR("upcycled-dtr", ArmFamily.UPCYCLED, RouterKind.DTR, null),
  EVOLVED_LINEAR("evolved-linear", ArmFamily.EVOLVED, RouterKind.LINEAR, EvolutionRule.PARTIAL_UPDATE),
  EVOLVED_MODALITY_LINEAR("evolved-modality-linear", ArmFamily.EVOLVED, RouterKind.MODALITY_LINEAR,
      EvolutionRule.PARTIAL_UPDATE),
  /** EvoMoE: evolution (partial update) and the Dynamic Token-aware Router. */
  EVOMOE("evomoe", ArmFamily.EVOLVED, RouterKind.DTR, EvolutionRule.PARTIAL_UPDATE),
  EVOMOE_EMA("evomoe-ema", ArmFamily.EVOLVED, RouterKind.DTR, EvolutionRule.EMA),
  EVOMOE_LITERAL("evomoe-literal", ArmFamily.EVOLVED, RouterKind.DTR, EvolutionRule.LITERAL);

  /** The arm every other arm is compared with. */
  public static final Arm BASELINE = MOE_LLAVA;

  /** The demo's arms. */
  public static final List<Arm> DEMO = List.of(DENSE, MOE_LLAVA, EVOMOE);

  /** The quick study's arms: one per family and router extreme. */
  public static final List<Arm> QUICK_STUDY = List.of(DENSE, MOE_LLAVA, UPCYCLED_DTR, EVOLVED_LINEAR, EVOMOE);

  /** The full study's arms, in report order. */
  public static final List<Arm> STUDY = List.of(values());

  private final String armName;
  private final ArmFamily family;
  private final RouterKind router;
  private final EvolutionRule evolution;

  Arm(String armName, ArmFamily family, RouterKind router, EvolutionRule evolution) {
    this.armName = armName;
    this.family = family;
    this.router = router;
    this.evolution = evolution;
  }

  /** The name in results and on the command line. */
  public String armName() {
    return armName;
  }

  public ArmFamily family() {
    return family;
  }

  /** The router kind; null for the dense arm. */
  public RouterKind router() {
    return router;
  }

  /** The evolution reading; null unless the arm is evolved. */
  public EvolutionRule evolution() {
    return evolution;
  }

  /**
   * The arm of a name.
   *
   * @throws IllegalArgumentException listing the known names
   */
  public static Arm of(String name) {
    for (Arm a : values()) {
      if (a.armName.equals(name)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown arm '" + name + "', expected one of "
        + Arrays.stream(values()).map(Arm::armName).toList());
  }
}
