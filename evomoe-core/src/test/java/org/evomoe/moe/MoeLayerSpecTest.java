package org.evomoe.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.evomoe.evolution.EvolutionConfig;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.DynamicTokenRouter;
import org.evomoe.router.LinearRouter;
import org.evomoe.router.RouterKind;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class MoeLayerSpecTest {
  @Test
  void theLayerAndItsRouterFollowFromTheSpec() {
    MoeLayerSpec spec = MoeLayerSpec.builder("model.layers.0.mlp", 8, 12).experts(3).paperEvolution(4).build();
    assertEquals(DtrConfig.defaults(), spec.dtr(), "DTR by default, with the default options");
    assertEquals(EvolutionConfig.paperDefaults(3, 4), spec.evolution());
    MoeLayer layer = spec.newLayer(new SplittableRandom(1));
    assertEquals(spec.config(), layer.config());
    DynamicTokenRouter r = (DynamicTokenRouter) layer.router();
    assertEquals(spec.dtr(), r.config());
    assertEquals(8, r.inputDim(), "width comes from the layer");
    assertEquals(3, r.numExperts(), "expert count comes from the layer");
    assertTrue(layer.experts().get(2).gate().name().startsWith(spec.expertPrefix(2) + "."), layer.experts().get(2).gate().name());
    assertTrue(spec.parameterNames().stream().filter(n -> !n.startsWith(spec.expertPrefix(0) + ".")
        && !n.startsWith(spec.expertPrefix(1) + ".") && !n.startsWith(spec.expertPrefix(2) + "."))
        .allMatch(n -> n.startsWith(spec.routerPrefix() + ".")), "the rest is the router's: " + spec.parameterNames());
    spec.requireMatches(layer);
    MoeLayerSpec linear = MoeLayerSpec.builder("p", 8, 12).routing(RoutingConfig.moeLlava()).build();
    assertTrue(linear.newRouter(new SplittableRandom(1)) instanceof LinearRouter);
    assertEquals(null, linear.dtr());
  }

  @Test
  void inconsistentValuesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> MoeLayerSpec.builder("p", 8, 12)
        .routing(RoutingConfig.moeLlava()).dtr(DtrConfig.defaults()).build(), "DTR options on a linear router");
    assertThrows(IllegalArgumentException.class, () -> MoeLayerSpec.builder("p", 8, 12).experts(4)
        .evolution(EvolutionConfig.paperDefaults(3, 1)).build(), "evolution for another expert count");
    assertThrows(IllegalArgumentException.class, () -> MoeLayerSpec.builder("p.", 8, 12).build());
    assertThrows(IllegalArgumentException.class, () -> MoeLayerSpec.builder("a b", 8, 12).build());
    assertThrows(IllegalArgumentException.class, () -> MoeLayerSpec.builder("p", 8, 12).experts(1)
        .routing(RoutingConfig.moeLlava()).build(), "top-2 of 1");
    assertThrows(IllegalArgumentException.class, () -> MoeLayerSpec.builder("p", 8, 12).dataType(DataType.HALF).build());
    MoeLayerSpec spec = MoeLayerSpec.builder("p", 8, 12).routing(RoutingConfig.of(RouterKind.LINEAR, 1, 0)).build();
    MoeLayer other = MoeLayerSpec.builder("p", 8, 12).experts(3).routing(RoutingConfig.of(RouterKind.LINEAR, 1, 0))
        .build().newLayer(new SplittableRandom(1));
    assertThrows(IllegalArgumentException.class, () -> spec.requireMatches(other));
  }
}
