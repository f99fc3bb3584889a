package org.evomoe.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.evomoe.checkpoint.MoeLayerCheckpoint;
import org.evomoe.dl4j.MoeFfnLayer;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.DynamicTokenRouter;
import org.evomoe.router.HyperActivation;
import org.evomoe.router.Modalities;
import org.evomoe.router.ThetaContraction;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A MoE layer's settings have one source, its {@link MoeLayerSpec}: a value changed there reaches
 * the core layer, its router, its parameter names, its saved config.json and the DL4J layer; and
 * no other record can state one of them a second time.
 */
class SingleSourceTest {
  private static MoeLayerSpec.Builder base() {
    return MoeLayerSpec.builder("mlp", 8, 12).experts(3).routing(RoutingConfig.evoMoe())
        .dtr(new DtrConfig(2, 3, 4, HyperActivation.NONE, false, ThetaContraction.CONTRACTED));
  }

  /** Everything that follows from a spec, as plain values. */
  private record Derived(int layerExperts, int routerExperts, int routerWidth, List<String> routerModalities,
      int rank, List<String> names, List<String> dl4jKeys, long dl4jParams, String configJson) {}

  private static Derived derive(MoeLayerSpec spec, Path dir) throws Exception {
    MoeLayer layer = spec.newLayer(new SplittableRandom(1));
    DynamicTokenRouter r = (DynamicTokenRouter) layer.router();
    MoeLayerCheckpoint.save(dir, spec, layer);
    MoeFfnLayer dl4j = new MoeFfnLayer.Builder().spec(spec).build();
    return new Derived(layer.config().numExperts(), r.numExperts(), r.inputDim(),
        r.modalities().names(), r.config().rank(),
        layer.parameters().stream().map(Parameter::name).toList(),
        dl4j.initializer().paramKeys(dl4j), dl4j.initializer().numParams(dl4j),
        Files.readString(dir.resolve(MoeLayerCheckpoint.CONFIG)));
  }

  @Test
  void aValueChangedInTheSpecReachesEverythingThatFollowsFromIt(@TempDir Path tmp) throws Exception {
    Derived before = derive(base().build(), tmp.resolve("a"));
    Derived after = derive(base().experts(4).modalities("image", "text", "audio")
        .dtr(new DtrConfig(5, 3, 4, HyperActivation.NONE, false, ThetaContraction.CONTRACTED))
        .build(), tmp.resolve("b"));

    assertEquals(3, before.layerExperts());
    assertEquals(4, after.layerExperts());
    assertEquals(4, after.routerExperts(), "the router's expert count is the layer's");
    assertEquals(8, after.routerWidth(), "the router's width is the layer's");
    assertEquals(List.of("image", "text", "audio"), after.routerModalities());
    assertEquals(5, after.rank());
    assertTrue(after.names().contains("mlp.experts.3.gate_proj.weight"));
    assertFalse(before.names().contains("mlp.experts.3.gate_proj.weight"));
    assertTrue(after.names().contains("mlp.gate.hyper.audio.fc2.weight"));
    assertFalse(before.names().stream().anyMatch(n -> n.contains("audio")));
    assertTrue(after.dl4jKeys().contains("experts.3.gateProj.weight"));
    assertTrue(after.dl4jKeys().contains("gate.hyper.audio.fc2.weight"));
    assertEquals(after.names().size(), after.dl4jKeys().size(), "one DL4J key per core parameter");
    long coreParams = base().experts(4).modalities("image", "text", "audio")
        .dtr(new DtrConfig(5, 3, 4, HyperActivation.NONE, false, ThetaContraction.CONTRACTED))
        .build().newLayer(new SplittableRandom(2)).parameters().stream()
        .mapToLong(Parameter::length).sum();
    assertEquals(coreParams, after.dl4jParams(), "the DL4J layer holds exactly the core layer's values");
    assertTrue(after.configJson().contains("\"numExperts\" : 4"), after.configJson());
    assertTrue(after.configJson().contains("\"rank\" : 5"), after.configJson());
    assertTrue(after.configJson().contains("\"audio\""), after.configJson());
    assertTrue(before.configJson().contains("\"numExperts\" : 3"), before.configJson());
  }

  @Test
  void withRoutingKeepsEverythingElse() {
    MoeLayerSpec spec = base().modalities("image", "text", "audio").paperEvolution(3).build();
    MoeLayerSpec linear = spec.withRouting(RoutingConfig.moeLlava());
    assertEquals(spec.modalities(), linear.modalities());
    assertEquals(spec.evolution(), linear.evolution());
    assertEquals(spec.config().numExperts(), linear.config().numExperts());
    assertEquals(null, linear.dtr(), "a linear router has no DTR options");
    assertEquals(spec.dtr(), spec.withRouting(RoutingConfig.evoMoe().withTopK(2)).dtr());
  }

  /**
   * No record besides the spec's {@link MoeConfig} holds the width or the expert count, and the
   * DL4J layer takes nothing the spec holds: a second, conflicting copy cannot be written down.
   */
  @Test
  void noOtherRecordCanRestateTheSpecsValues() {
    assertEquals(List.of("rank", "embedDim", "hyperHidden", "activation", "phiBias", "contraction"),
        components(DtrConfig.class), "the DTR's options hold no width, expert count or modality");
    assertEquals(List.of("prefix", "config", "modalities", "dtr", "evolution", "dataType"),
        components(MoeLayerSpec.class));
    assertEquals(List.of("dModel", "dHidden", "numExperts", "routing"), components(MoeConfig.class));
    assertEquals(List.of("topK", "renormalize", "auxLossWeight", "zLossWeight", "routerKind"),
        components(RoutingConfig.class));
    assertEquals(List.of("names"), components(Modalities.class));
    Set<String> builder = Arrays.stream(MoeFfnLayer.Builder.class.getDeclaredMethods())
        .filter(m -> java.lang.reflect.Modifier.isPublic(m.getModifiers()))
        .map(Method::getName).collect(Collectors.toSet());
    assertEquals(Set.of("spec", "phase", "modalityInput", "modality", "activation", "build"), builder,
        "the DL4J builder's own settings");
  }

  private static List<String> components(Class<? extends Record> type) {
    return Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).toList();
  }
}
