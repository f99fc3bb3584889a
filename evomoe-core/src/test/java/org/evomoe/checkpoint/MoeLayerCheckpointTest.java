package org.evomoe.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.TestArrays;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.MoeLayerSpec;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.HyperActivation;
import org.evomoe.router.Modality;
import org.evomoe.router.RouterKind;
import org.evomoe.router.ThetaContraction;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class MoeLayerCheckpointTest {
  static MoeLayerSpec dtrSpec() {
    return MoeLayerSpec.builder("model.layers.1.mlp", 12, 20)
        .experts(3)
        .routing(RoutingConfig.evoMoe().withZLossWeight(0.002))
        .dtr(new DtrConfig(4, 6, 10, HyperActivation.values()[HyperActivation.values().length - 1], true,
            ThetaContraction.values()[0]))
        .paperEvolution(17)
        .build();
  }

  static Modality[] tags(int n) {
    Modality[] m = new Modality[n];
    for (int t = 0; t < n; t++) {
      m[t] = t % 3 == 0 ? Modality.IMAGE : Modality.TEXT;
    }
    return m;
  }

  @Test
  void aSavedLayerReloadsBitExactlyWithItsConfiguration(@TempDir Path dir) throws Exception {
    for (MoeLayerSpec spec : List.of(dtrSpec(),
        MoeLayerSpec.builder("enc.moe", 8, 16).experts(4).routing(RoutingConfig.moeLlava()).build(),
        MoeLayerSpec.builder("m", 8, 16).experts(2)
            .routing(RoutingConfig.of(RouterKind.MODALITY_LINEAR, 1, 0.01)).build())) {
      MoeLayer layer = spec.newLayer(new SplittableRandom(5));
      assertEquals(spec.parameterNames(), layer.parameters().stream().map(Parameter::name).toList());
      Path folder = dir.resolve(spec.prefix());
      MoeLayerCheckpoint.save(folder, spec, layer);

      MoeLayerCheckpoint.Loaded back = MoeLayerCheckpoint.load(folder);
      assertEquals(spec, back.spec());
      assertEquals(layer.config(), back.layer().config());
      List<Parameter> a = layer.parameters();
      List<Parameter> b = back.layer().parameters();
      assertEquals(a.size(), b.size());
      for (int i = 0; i < a.size(); i++) {
        assertEquals(a.get(i).name(), b.get(i).name());
        assertArrayEquals(a.get(i).value().dup().data().asFloat(), b.get(i).value().dup().data().asFloat(),
            a.get(i).name());
      }
      INDArray x = TestArrays.normal(3, DataType.FLOAT, 9, spec.config().dModel());
      INDArray y0 = layer.forward(x, tags(9)).dup();
      INDArray y1 = back.layer().forward(x, tags(9)).dup();
      assertEquals(0.0, TestArrays.maxAbsDiff(y0, y1), "outputs of the reloaded layer");
      // And the typed load with the same spec accepts it.
      assertEquals(layer.config(), MoeLayerCheckpoint.load(folder, spec).config());
    }
  }

  @Test
  void aDifferentConfigurationIsRefusedNamingTheFields(@TempDir Path dir) throws Exception {
    MoeLayerSpec spec = dtrSpec();
    MoeLayerCheckpoint.save(dir, spec, spec.newLayer(new SplittableRandom(1)));
    MoeLayerSpec other = MoeLayerSpec.builder("model.layers.1.mlp", 12, 20).experts(3)
        .routing(RoutingConfig.evoMoe()).dtr(spec.dtr()).paperEvolution(17).build();
    MoeLayerConfigException e = assertThrows(MoeLayerConfigException.class,
        () -> MoeLayerCheckpoint.load(dir, other));
    assertTrue(e.getMessage().contains("routing"), e.getMessage());
    assertFalse(e.getMessage().contains("dModel"), e.getMessage());
    MoeLayerSpec wider = MoeLayerSpec.builder("model.layers.1.mlp", 16, 20).experts(3)
        .routing(spec.config().routing()).dtr(spec.dtr()).paperEvolution(17).build();
    e = assertThrows(MoeLayerConfigException.class, () -> MoeLayerCheckpoint.load(dir, wider));
    assertTrue(e.getMessage().contains("dModel (saved 12, expected 16)"), e.getMessage());
  }

  @Test
  void aLayerThatDoesNotMatchItsSpecIsNotSaved(@TempDir Path dir) {
    MoeLayerSpec spec = dtrSpec();
    MoeLayer linear = MoeLayerSpec.builder("model.layers.1.mlp", 12, 20).experts(3)
        .routing(RoutingConfig.evoMoe().withZLossWeight(0.002).withRouterKind(RouterKind.LINEAR))
        .build().newLayer(new SplittableRandom(1));
    assertThrows(IllegalArgumentException.class, () -> MoeLayerCheckpoint.save(dir.resolve("x"), spec, linear));
    MoeLayer renamed = MoeLayerSpec.builder("model.layers.2.mlp", 12, 20).experts(3)
        .routing(spec.config().routing()).dtr(spec.dtr()).build().newLayer(new SplittableRandom(1));
    assertThrows(IllegalArgumentException.class, () -> MoeLayerCheckpoint.save(dir.resolve("x"), spec, renamed));
    assertFalse(Files.exists(dir.resolve("x")), "nothing written");
  }

  @Test
  void damagedOrMisspeltConfigsAreRefusedNamingTheFile(@TempDir Path dir) throws Exception {
    MoeLayerSpec spec = dtrSpec();
    MoeLayerCheckpoint.save(dir, spec, spec.newLayer(new SplittableRandom(1)));
    Path config = dir.resolve(MoeLayerCheckpoint.CONFIG);
    String json = Files.readString(config, StandardCharsets.UTF_8);
    Files.writeString(config, json.replace("\"dHidden\"", "\"dHiden\""));
    MoeLayerConfigException e = assertThrows(MoeLayerConfigException.class, () -> MoeLayerCheckpoint.load(dir));
    assertTrue(e.getMessage().contains(config.toString()) && e.getMessage().contains("dHidden"), e.getMessage());
    Files.writeString(config, json.replace("\"topK\" : 1", "\"topK\" : 7"));
    e = assertThrows(MoeLayerConfigException.class, () -> MoeLayerCheckpoint.load(dir));
    assertTrue(e.getMessage().contains("topK"), e.getMessage());
    Files.delete(config);
    assertThrows(MoeLayerConfigException.class, () -> MoeLayerCheckpoint.load(dir));
  }
}
