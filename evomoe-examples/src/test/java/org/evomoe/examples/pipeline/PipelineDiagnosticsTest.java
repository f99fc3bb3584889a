package org.evomoe.examples.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.evomoe.diagnostics.ExpertOutputSimilarity;
import org.evomoe.diagnostics.ModalitySeparation;
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

    PipelineDiagnostics d = p.diagnostics(m);
    assertNotNull(d.separation());
    assertNotNull(d.expertOutputs());
    assertNotNull(d.separationAtRouterInit());
    int moeLayers = m.moeLayers().size();
    assertTrue(moeLayers > 0);
    assertEquals(moeLayers, d.separation().layers().size(), "one separation entry per MoE layer");
    assertEquals(moeLayers, d.separationAtRouterInit().layers().size());
    assertEquals(moeLayers, d.expertOutputs().layers().size(), "one similarity entry per MoE layer");
    for (ModalitySeparation.LayerSeparation layer : d.separation().layers()) {
      double hard = layer.pairs().get(0).hardTotalVariation();
      double soft = layer.pairs().get(0).softTotalVariation();
      assertTrue(hard >= 0 && hard <= 1 && soft >= 0 && soft <= 1, layer.toString());
    }
    for (ExpertOutputSimilarity.LayerOutputSimilarity layer : d.expertOutputs().layers()) {
      double c = layer.meanOffDiagonal();
      assertTrue(c >= -1 && c <= 1, layer.toString());
    }
    // Every report of the pipeline is measured, and the record binds back from its own JSON.
    ObjectMapper json = new ObjectMapper();
    JsonNode tree = json.valueToTree(d);
    assertEquals(List.of("modalityShares", "routerLogits", "routing", "shuffle", "standalone",
        "similarity", "separation", "expertOutputs", "separationAtRouterInit"), fieldNames(tree));
    assertEquals(tree, json.valueToTree(json.treeToValue(tree, PipelineDiagnostics.class)));
  }

  @Test
  void modelsWithoutADtrGetNoRoutersAtInitBaseline() throws Exception {
    DemoPipeline p = new DemoPipeline(TinySettings.of(3));
    PipelineDiagnostics d = p.diagnostics(p.newModel(MoeSettings.moeLlava(4)));
    assertTrue(d.separation() != null && d.expertOutputs() != null);
    assertNull(d.separationAtRouterInit());
    assertFalse(new ObjectMapper().valueToTree(d).has("separationAtRouterInit"),
        "an unmeasured report is left out of the JSON");
  }

  @Test
  void noDiagnosticsIsAnEmptyObject() throws Exception {
    ObjectMapper json = new ObjectMapper();
    assertEquals("{}", json.writeValueAsString(PipelineDiagnostics.NONE));
    assertEquals(PipelineDiagnostics.NONE, json.readValue("{}", PipelineDiagnostics.class));
    assertFalse(PipelineDiagnostics.NONE.measured());
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> out = new java.util.ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  private static Map<String, Parameter> byName(List<Parameter> ps) {
    Map<String, Parameter> m = new HashMap<>();
    ps.forEach(q -> m.put(q.name(), q));
    return m;
  }
}
