package org.evomoe.examples.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.RoutingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.evomoe.router.RouterKind;

class ModelConfigTest {
  private static final MoeSettings MOE = MoeSettings.evoMoe(4);

  private static ModelConfig config(int vocab, int d, int layers, int heads, int kv, int ffn,
      double theta, double eps, Set<Integer> moeLayers) {
    return new ModelConfig(vocab, d, layers, heads, kv, ffn, theta, eps, moeLayers, MOE);
  }

  private static void assertMessage(String fragment, Executable ex) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ex);
    assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' lacks '" + fragment + "'");
  }

  @Test
  void everyBadValueIsNamed() {
    Set<Integer> none = Set.of();
    assertMessage("vocabSize must be positive, got 0",
        () -> config(0, 8, 2, 2, 2, 16, 1e4, 1e-6, none));
    assertMessage("dModel must be positive", () -> config(10, -8, 2, 2, 2, 16, 1e4, 1e-6, none));
    assertMessage("numLayers", () -> config(10, 8, 0, 2, 2, 16, 1e4, 1e-6, none));
    assertMessage("numHeads", () -> config(10, 8, 2, 0, 2, 16, 1e4, 1e-6, none));
    assertMessage("ffnHidden", () -> config(10, 8, 2, 2, 2, 0, 1e4, 1e-6, none));
    assertMessage("not divisible by numHeads 3", () -> config(10, 8, 2, 3, 3, 16, 1e4, 1e-6, none));
    assertMessage("must be even for RoPE", () -> config(10, 12, 2, 4, 4, 16, 1e4, 1e-6, none));
    assertMessage("numKvHeads must be positive and divide numHeads 4, got 3",
        () -> config(10, 16, 2, 4, 3, 16, 1e4, 1e-6, none));
    assertMessage("numKvHeads", () -> config(10, 16, 2, 4, 0, 16, 1e4, 1e-6, none));
    assertMessage("ropeTheta", () -> config(10, 8, 2, 2, 2, 16, 0, 1e-6, none));
    assertMessage("ropeTheta", () -> config(10, 8, 2, 2, 2, 16, Double.NaN, 1e-6, none));
    assertMessage("normEps", () -> config(10, 8, 2, 2, 2, 16, 1e4, 0, none));
    assertMessage("MoE layer index 2 is outside [0, numLayers=2)",
        () -> config(10, 8, 2, 2, 2, 16, 1e4, 1e-6, Set.of(0, 2)));
    assertMessage("MoE layer index -1", () -> config(10, 8, 2, 2, 2, 16, 1e4, 1e-6, Set.of(-1)));
    assertMessage("moeLayers must not be null", () -> config(10, 8, 2, 2, 2, 16, 1e4, 1e-6, null));
    assertMessage("moe settings", () -> new ModelConfig(10, 8, 2, 2, 2, 16, 1e4, 1e-6, none, null));
  }

  @Test
  void moeSettingsAreValidated() {
    assertMessage("numExperts", () -> new MoeSettings(0, RoutingConfig.of(RouterKind.LINEAR, 1, 0)));
    assertMessage("topK must be in [1, numExperts=4], got 5",
        () -> new MoeSettings(4, RoutingConfig.of(RouterKind.LINEAR, 5, 0)));
    assertMessage("auxLossWeight",
        () -> new MoeSettings(4, new RoutingConfig(1, false, -0.1, 0, RouterKind.LINEAR)));
    assertMessage("zLossWeight", () -> new MoeSettings(4,
        new RoutingConfig(1, false, 0, Double.POSITIVE_INFINITY, RouterKind.LINEAR)));
    assertMessage("routerKind", () -> new MoeSettings(4, new RoutingConfig(1, false, 0, 0, null)));
    assertMessage("routing", () -> new MoeSettings(4, null));
  }

  @Test
  void everyOtherLayerStartsAtZero() {
    assertEquals(List.of(0, 2, 4), List.copyOf(ModelConfig.everyOtherLayer(5)));
    assertEquals(List.of(0), List.copyOf(ModelConfig.everyOtherLayer(1)));
    ModelConfig c = config(10, 8, 4, 2, 1, 16, 1e4, 1e-6, ModelConfig.everyOtherLayer(4));
    assertTrue(c.isMoeLayer(0) && c.isMoeLayer(2));
    assertFalse(c.isMoeLayer(1) || c.isMoeLayer(3));
  }

  @Test
  void moeLayersAreCopiedSortedAndUnmodifiable() {
    Set<Integer> given = new HashSet<>(Set.of(3, 1));
    ModelConfig c = config(10, 8, 4, 2, 1, 16, 1e4, 1e-6, given);
    given.add(0);
    assertEquals(List.of(1, 3), List.copyOf(c.moeLayers()));
    assertThrows(UnsupportedOperationException.class, () -> c.moeLayers().add(2));
  }

  @Test
  void derivedConfigurations() {
    ModelConfig c = new ModelConfig(10, 16, 4, 4, 2, 24, 5e5, 1e-5, Set.of(0, 2),
        MoeSettings.moeLlava(4));
    assertEquals(4, c.headDim());
    AttentionConfig a = c.attention();
    assertEquals(2, a.groupSize());
    assertTrue(a.causal());
    assertFalse(a.bias());
    assertEquals(5e5, a.ropeTheta());
    MoeConfig m = c.moeConfig();
    assertEquals(new MoeConfig(16, 24, 4, RoutingConfig.moeLlava()), m);
    assertEquals(new MoeConfig(16, 24, 4, RoutingConfig.evoMoe()),
        c.withMoe(MoeSettings.evoMoe(4)).moeConfig());
    assertEquals(Set.of(1), c.withMoeLayers(Set.of(1)).moeLayers());
  }
}
