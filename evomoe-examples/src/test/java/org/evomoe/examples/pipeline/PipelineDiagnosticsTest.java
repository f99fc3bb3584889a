package org.evomoe.examples.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.evomoe.examples.model.MoeSettings;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;

/**
 * The pipeline's diagnostics carry the claims-separating measures: hard top-1 and soft image/text
 * separation, the experts' functional similarity, and for DTR models the same separation with the
 * routers reset to their initial weights (and only the routers).
 */
class PipelineDiagnosticsTest {
  @Test
  void dtrModelsGetSeparationFunctionalSimilarityAndTheRoutersAtInitBaseline() throws Exception {
    DemoPipeline p = new DemoPipeline(TinySettings.of(3));
    VisionLanguageModel m = p.newModel(MoeSettings.evoMoe(4));
    for (Parameter q : m.parameters()) {
      q.value().addi(0.25); // "trained": every weight differs from the seed's initial value
    }
    VisionLanguageModel fresh = p.newModel(MoeSettings.evoMoe(4));
    VisionLanguageModel init = p.withInitialRouters(m);
    Map<String, Parameter> trained = byName(m.parameters());
    Map<String, Parameter> initial = byName(fresh.parameters());
    int routers = 0;
    for (Parameter q : init.parameters()) {
      double[] got = q.value().dup().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).data().asDouble();
      boolean router = q.name().contains(".mlp.gate.");
      Parameter want = router ? initial.get(q.name()) : trained.get(q.name());
      assertArrayEquals(want.value().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).data().asDouble(),
          got, 0.0, q.name());
      routers += router ? 1 : 0;
    }
    assertTrue(routers > 0, "the DTR model has router parameters");

    Map<String, JsonNode> d = p.diagnostics(m);
    for (String key : List.of("separation", "expertOutputs", "separationAtRouterInit")) {
      assertTrue(d.containsKey(key), key + " missing from " + d.keySet());
    }
    int moeLayers = m.moeLayers().size();
    assertTrue(moeLayers > 0);
    assertEquals(moeLayers, d.get("separation").get("layers").size(), "one separation entry per MoE layer");
    assertEquals(moeLayers, d.get("expertOutputs").get("layers").size(), "one similarity entry per MoE layer");
    for (JsonNode layer : d.get("separation").get("layers")) {
      double hard = layer.at("/pairs/0/hardTotalVariation").asDouble(-1);
      double soft = layer.at("/pairs/0/softTotalVariation").asDouble(-1);
      assertTrue(hard >= 0 && hard <= 1 && soft >= 0 && soft <= 1, layer.toString());
    }
    for (JsonNode layer : d.get("expertOutputs").get("layers")) {
      double c = layer.get("meanOffDiagonal").asDouble(Double.NaN);
      assertTrue(c >= -1 && c <= 1, layer.toString());
    }
  }

  @Test
  void modelsWithoutADtrGetNoRoutersAtInitBaseline() throws Exception {
    DemoPipeline p = new DemoPipeline(TinySettings.of(3));
    Map<String, JsonNode> d = p.diagnostics(p.newModel(MoeSettings.moeLlava(4)));
    assertTrue(d.containsKey("separation") && d.containsKey("expertOutputs"));
    assertFalse(d.containsKey("separationAtRouterInit"));
  }

  private static Map<String, Parameter> byName(List<Parameter> ps) {
    Map<String, Parameter> m = new HashMap<>();
    ps.forEach(q -> m.put(q.name(), q));
    return m;
  }
}
