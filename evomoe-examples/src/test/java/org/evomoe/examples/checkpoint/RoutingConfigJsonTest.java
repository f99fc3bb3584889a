package org.evomoe.examples.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.examples.model.MoeSettings;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.router.RouterKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** The layers' RoutingConfig is what config.json records and what a loaded model routes with. */
class RoutingConfigJsonTest {
  @TempDir Path tmp;

  @Test
  void routingRoundTripsThroughConfigJsonIntoEveryLayer() throws IOException {
    List<RoutingConfig> routings = List.of(RoutingConfig.moeLlava(), RoutingConfig.evoMoe(),
        new RoutingConfig(3, false, 0.25, 0.004, RouterKind.MODALITY_LINEAR),
        new RoutingConfig(1, true, 0.0, 0.0, RouterKind.LINEAR));
    int i = 0;
    for (RoutingConfig r : routings) {
      ModelSpec spec = new ModelSpec(TinyModels.decoder(new MoeSettings(3, r)), TinyModels.vision(),
          MoeMode.ROUTED);
      VisionLanguageModel m = ModelCheckpoint.newModel(spec, DataType.FLOAT, new SplittableRandom(i));
      for (MoeLayer moe : m.moeLayers()) {
        assertEquals(r, moe.routing());
      }
      Path dir = tmp.resolve("m" + i++);
      ModelCheckpoint.save(dir, m, ModelSpec.of(m), TinyModels.tokenizer());
      JsonNode json = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
      assertEquals(r.topK(), json.get("num_experts_per_tok").asInt());
      assertEquals(r.renormalize(), json.get("norm_topk_prob").asBoolean());
      assertEquals(r.auxLossWeight(), json.get("router_aux_loss_coef").asDouble());
      assertEquals(r.zLossWeight(), json.get("router_z_loss_coef").asDouble());
      assertEquals(r.routerKind().name().toLowerCase(java.util.Locale.ROOT),
          json.get("router_kind").asText());
      LoadedModel back = ModelCheckpoint.load(dir);
      assertEquals(r, back.spec().decoder().moe().routing());
      for (MoeLayer moe : back.model().moeLayers()) {
        assertEquals(r, moe.routing(), "a loaded layer routes otherwise than config.json says");
      }
    }
  }
}
