package org.evomoe.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.DynamicTokenRouter;
import org.evomoe.router.LinearRouter;
import org.evomoe.router.ModalityLinearRouter;
import org.evomoe.router.RouterKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;

class RoutingConfigTest {
  private static void assertMessage(String part, Executable e) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    assertTrue(ex.getMessage().contains(part), ex.getMessage());
  }

  @Test
  void presetsAreThePapersConventions() {
    RoutingConfig llava = RoutingConfig.moeLlava();
    assertEquals(2, llava.topK());
    assertTrue(llava.renormalize());
    assertTrue(llava.renormalizesGates());
    assertEquals(0.01, llava.auxLossWeight());
    assertEquals(0.0, llava.zLossWeight());
    assertEquals(RouterKind.LINEAR, llava.routerKind());
    RoutingConfig evo = RoutingConfig.evoMoe();
    assertEquals(1, evo.topK());
    assertFalse(evo.renormalizesGates());
    assertEquals(0.001, evo.auxLossWeight());
    assertEquals(RouterKind.DTR, evo.routerKind());
    // This project's DTR z-loss (docs/regime-sweep.md), for the DTR only.
    assertEquals(0.01, evo.zLossWeight());
    assertEquals(0.01, RoutingConfig.zLossFor(RouterKind.DTR));
    assertEquals(0.0, RoutingConfig.zLossFor(RouterKind.LINEAR));
    assertEquals(0.0, RoutingConfig.zLossFor(RouterKind.MODALITY_LINEAR));
  }

  @Test
  void valuesAreValidatedWithTheirNames() {
    assertMessage("topK must be >= 1, got 0", () -> RoutingConfig.of(RouterKind.LINEAR, 0, 0));
    assertMessage("auxLossWeight", () -> new RoutingConfig(1, false, -1, 0, RouterKind.LINEAR));
    assertMessage("auxLossWeight", () -> new RoutingConfig(1, false, Double.NaN, 0, RouterKind.LINEAR));
    assertMessage("zLossWeight",
        () -> new RoutingConfig(1, false, 0, Double.POSITIVE_INFINITY, RouterKind.LINEAR));
    assertMessage("routerKind", () -> new RoutingConfig(1, false, 0, 0, null));
    assertMessage("topK must be in [1, numExperts=2], got 3",
        () -> new MoeConfig(4, 4, 2, RoutingConfig.of(RouterKind.LINEAR, 3, 0)));
  }

  @Test
  void theLayersRouterMustBeOfTheConfiguredKind() {
    SplittableRandom rng = new SplittableRandom(1);
    List<SwiGluFfn> experts = new ArrayList<>();
    for (int e = 0; e < 3; e++) {
      experts.add(new SwiGluFfn("e" + e, 4, 5, DataType.DOUBLE, rng));
    }
    LinearRouter linear = new LinearRouter("g", 4, 3, DataType.DOUBLE, rng);
    assertMessage("router kind DTR", () -> new MoeLayer(
        new MoeConfig(4, 5, 3, RoutingConfig.evoMoe()), linear, experts));
    MoeLayer moe = new MoeLayer(new MoeConfig(4, 5, 3, RoutingConfig.moeLlava()), linear, experts);
    assertMessage("router kind MODALITY_LINEAR",
        () -> moe.setRouting(RoutingConfig.moeLlava().withRouterKind(RouterKind.MODALITY_LINEAR)));
    assertMessage("topK must be in [1, numExperts=3], got 4",
        () -> moe.setRouting(RoutingConfig.moeLlava().withTopK(4)));
    assertEquals(RoutingConfig.moeLlava(), moe.routing());
    moe.setRouting(RoutingConfig.moeLlava().withTopK(3));
    assertEquals(3, moe.config().topK());
    assertEquals(RouterKind.MODALITY_LINEAR,
        RouterKind.of(new ModalityLinearRouter("m", 4, 3, DataType.DOUBLE, rng)));
    assertEquals(RouterKind.DTR, RouterKind.of(
        new DynamicTokenRouter("d", 4, 3, DtrConfig.defaults(), DataType.DOUBLE, rng)));
    for (RouterKind k : RouterKind.values()) {
      assertEquals(k, RouterKind.of(k.create("p", 4, 3, DataType.DOUBLE, rng)));
    }
  }
}
