package org.evomoe.examples.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.checkpoint.CheckpointFormatException;
import org.evomoe.examples.model.DecoderModel;
import org.evomoe.examples.model.ModelConfig;
import org.evomoe.examples.model.MoeSettings;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.MoeLayerSpec;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.HyperActivation;
import org.evomoe.router.Modalities;
import org.evomoe.router.RouterKind;
import org.evomoe.router.ThetaContraction;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The example model builds every MoE layer from one {@link MoeLayerSpec} derived from its
 * decoder configuration: the settings (experts, routing, modalities, DTR options) are stated once,
 * in {@link MoeSettings}, and reach the built layers, the expected tensor layout and config.json.
 */
class ModelMoeLayerSpecTest {
  private static final Path FILE = Path.of("config.json");

  private static MoeSettings threeModalityDtr() {
    return TinyModels.moe(RouterKind.DTR)
        .withModalities(Modalities.of("image", "text", "audio"))
        .withDtr(new DtrConfig(2, 3, 4, HyperActivation.TANH, true, ThetaContraction.CONTRACTED));
  }

  @Test
  void everyBuildPathMakesTheLayersItsSpecDescribes() {
    ModelConfig c = TinyModels.decoder(threeModalityDtr());
    ModelSpec spec = new ModelSpec(c, TinyModels.vision(), MoeMode.ROUTED);
    VisionLanguageModel created = ModelCheckpoint.newModel(spec, DataType.FLOAT, new SplittableRandom(1));
    DecoderModel fresh = DecoderModel.create(c, DataType.FLOAT, new SplittableRandom(1));
    DecoderModel upcycled = DecoderModel.createDense(c, DataType.FLOAT, new SplittableRandom(1));
    upcycled.upcycle(new SplittableRandom(2));
    for (int i : c.moeLayers()) {
      MoeLayerSpec layerSpec = c.moeLayerSpec(i, DataType.FLOAT);
      assertEquals("model.layers." + i + ".mlp", layerSpec.prefix());
      assertEquals(c.dModel(), layerSpec.config().dModel());
      assertEquals(c.ffnHidden(), layerSpec.config().dHidden());
      for (MoeLayer layer : List.of(created.decoder().block(i).moe(), fresh.block(i).moe(),
          upcycled.block(i).moe())) {
        layerSpec.requireMatches(layer); // config, router kind, modalities, DTR options, names, type
      }
    }
    // The tensor layout a checkpoint is checked against is the built model's.
    List<String> names = new ArrayList<>();
    for (Parameter p : created.parameters()) {
      names.add(p.name());
    }
    assertEquals(new java.util.TreeSet<>(names), new java.util.TreeSet<>(ModelLayout.shapes(spec).keySet()));
    assertTrue(names.contains("model.layers.2.mlp.gate.hyper.audio.fc2.bias"));
    assertEquals(spec, ModelSpec.of(created), "the layers report the settings they were built from");
  }

  @Test
  void configJsonCarriesTheModalitiesAndOldFilesMeanImageAndText() throws Exception {
    ModelSpec spec = new ModelSpec(TinyModels.decoder(threeModalityDtr()), TinyModels.vision(),
        MoeMode.ROUTED);
    ObjectNode json = ModelSpecJson.toJson(spec);
    assertEquals("[\"image\",\"text\",\"audio\"]", json.get("modalities").toString());
    assertEquals(spec, ModelSpecJson.fromJson(json, FILE));

    ModelSpec two = new ModelSpec(TinyModels.decoder(TinyModels.moe(RouterKind.MODALITY_LINEAR)),
        TinyModels.vision(), MoeMode.ROUTED);
    ObjectNode old = ModelSpecJson.toJson(two);
    old.remove("modalities"); // as written before modalities were configuration
    ModelSpec read = ModelSpecJson.fromJson(old, FILE);
    assertEquals(two, read);
    assertEquals(Modalities.IMAGE_TEXT, read.decoder().moe().modalities());

    ObjectNode bad = ModelSpecJson.toJson(two);
    bad.putArray("modalities").add("image").add("image");
    CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
        () -> ModelSpecJson.fromJson(bad, FILE));
    assertTrue(e.getMessage().contains("modalities") && e.getMessage().contains("twice"),
        e.getMessage());
  }

  @Test
  void dtrOptionsBelongToTheDtrOnly() {
    assertThrows(IllegalArgumentException.class,
        () -> TinyModels.moe(RouterKind.LINEAR).withDtr(DtrConfig.defaults()));
    MoeSettings dtr = threeModalityDtr();
    MoeSettings linear = dtr.withRouting(dtr.routing().withRouterKind(RouterKind.LINEAR));
    assertEquals(null, linear.dtr());
    assertEquals(dtr.modalities(), linear.modalities());
    assertEquals(DtrConfig.defaults(),
        linear.withRouting(linear.routing().withRouterKind(RouterKind.DTR)).dtr());
    assertFalse(ModelSpecJson.toJson(new ModelSpec(TinyModels.decoder(linear), TinyModels.vision(),
        MoeMode.ROUTED)).has("dtr_config"));
  }
}
