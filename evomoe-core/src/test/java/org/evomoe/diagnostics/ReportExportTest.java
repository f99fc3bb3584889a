package org.evomoe.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.evomoe.moe.MoeConfig;
import org.evomoe.router.Modality;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

class ReportExportTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static TinyModel model() {
    return new TinyModel(List.of(TinyModel.separatingMoe(3, 1, 1.0, 1),
            TinyModel.separatingMoe(3, 2, -1.0, 2)))
        .withSeparatingData(3);
  }

  private static List<String> lines(String csv) {
    assertTrue(csv.endsWith("\n"));
    return List.of(csv.split("\n"));
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }

  @Test
  void modalitySharesRoundTrip() throws IOException {
    TinyModel m = model();
    ModalityShares s = ModalityShares.measure(m.layers, m::pass);
    JsonNode root = JSON.readTree(s.toJson());
    assertEquals(List.of("layers"), fieldNames(root));
    JsonNode l0 = root.get("layers").get(0);
    assertEquals(List.of("layer", "numExperts", "tokens", "assignments", "shares",
        "expertAssignments"), fieldNames(l0));
    assertEquals(6, l0.get("tokens").get("IMAGE").asLong());
    assertEquals(4 / 6.0, l0.get("shares").get("IMAGE").get(0).asDouble(), 0.0);
    assertEquals(4, l0.get("assignments").get("IMAGE").get(0).asLong());
    assertEquals(11, root.get("layers").get(1).get("expertAssignments").get(2).asLong());
    List<String> csv = lines(s.toCsv());
    assertEquals("layer,modality,expert,modality_tokens,assignments,share,expert_assignments",
        csv.get(0));
    assertEquals(1 + 2 * 2 * 3, csv.size()); // 2 layers x 2 modalities x 3 experts
    assertEquals("0,IMAGE,0,6,4," + (4 / 6.0) + ",5", csv.get(1));
    assertEquals(s.toCsv(), s.toCsv("shares"));
  }

  @Test
  void logitStatsRoundTrip() throws IOException {
    TinyModel m = model();
    RouterLogitStats s = RouterLogitStats.measure(m.layers, m::pass, 5);
    JsonNode root = JSON.readTree(s.toJson());
    assertEquals(List.of("binEdges", "cells", "separations"), fieldNames(root));
    assertEquals(6, root.get("binEdges").size());
    assertEquals(s.binEdges()[5], root.get("binEdges").get(5).asDouble(), 0.0);
    JsonNode c = root.get("cells").get(3);
    RouterLogitStats.LogitCell cell = s.cells().get(3);
    assertEquals(cell.modality().label(), c.get("modality").asText());
    assertEquals(cell.std(), c.get("std").asDouble(), 0.0);
    assertEquals(cell.histogram()[2], c.get("histogram").get(2).asLong());
    RouterLogitStats.ModalitySeparation sep = s.separations().get(1);
    assertEquals(sep.jensenShannon(),
        root.get("separations").get(1).get("jensenShannon").asDouble(), 0.0);
    assertEquals(12, s.cells().size());
    List<String> stats = lines(s.toCsv());
    assertEquals("layer,modality,expert,count,mean,std,min,max,mean_prob,below,above", stats.get(0));
    assertEquals(1 + 12, stats.size());
    List<String> hist = lines(s.toCsv("histogram"));
    assertEquals("layer,modality,expert,bin,bin_low,bin_high,count,density", hist.get(0));
    assertEquals(1 + 12 * 5, hist.size());
    // Densities integrate to 1 over the bins of a cell when no value is outside.
    double integral = 0;
    for (int b = 0; b < 5; b++) {
      String[] f = hist.get(1 + b).split(",");
      integral += Double.parseDouble(f[7]) * (Double.parseDouble(f[5]) - Double.parseDouble(f[4]));
    }
    assertEquals(1.0, integral, 1e-12);
    List<String> sepCsv = lines(s.toCsv("separation"));
    assertEquals("layer,modality_a,modality_b,total_variation,jensen_shannon", sepCsv.get(0));
    assertEquals(3, sepCsv.size());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.toCsv("x"));
    assertTrue(e.getMessage().contains("[stats, histogram, separation]"), e.getMessage());
  }

  @Test
  void entropyRoundTrip() throws IOException {
    TinyModel m = model();
    RoutingEntropy r = RoutingEntropy.measure(m.layers, m::pass);
    JsonNode root = JSON.readTree(r.toJson());
    JsonNode l0 = root.get("layers").get(0);
    assertEquals(0.0, root.get("deadThreshold").asDouble(), 0.0);
    assertEquals(2, l0.get("deadExperts").get(0).asInt());
    assertEquals(r.layers().get(0).loadEntropy(), l0.get("loadEntropy").asDouble(), 0.0);
    assertEquals(r.layers().get(0).meanTokenEntropyByModality().get(Modality.TEXT),
        l0.get("meanTokenEntropyByModality").get("TEXT").asDouble(), 0.0);
    List<String> csv = lines(r.toCsv());
    assertEquals("layer,experts,tokens,mean_token_entropy,mean_token_entropy_image,"
        + "mean_token_entropy_text,max_entropy,load_entropy,dead_count,dead_experts", csv.get(0));
    assertEquals(3, csv.size());
    assertTrue(csv.get(1).endsWith(",1,2"), csv.get(1)); // layer 0: expert 2 dead
    assertTrue(csv.get(2).endsWith(",0,"), csv.get(2)); // layer 1 (top-2): none dead
    List<String> experts = lines(r.toCsv("experts"));
    assertEquals("layer,expert,assignments,share,dead", experts.get(0));
    assertEquals(1 + 6, experts.size());
    assertEquals("0,2,0,0.0,true", experts.get(3));
  }

  @Test
  void shuffleStandaloneAndSimilarityRoundTrip(@TempDir Path dir) throws IOException {
    TinyModel m = new TinyModel(List.of(
            TinyModel.randomMoe(MoeConfig.of(5, 6, 3, 1, 0.01), DataType.DOUBLE, 4)))
        .withRandomData(5, 2, 6, 5, DataType.DOUBLE);
    RouterShuffle shuffle = RouterShuffle.run(m.layers, m::outputSum, 7, 8, 9);
    JsonNode sj = JSON.readTree(shuffle.toJson());
    assertEquals(shuffle.baseline(), sj.get("baseline").asDouble(), 0.0);
    assertEquals(8, sj.get("seeds").get(1).asLong());
    assertEquals(shuffle.shuffledStd(), sj.get("shuffledStd").asDouble(), 0.0);
    assertEquals("baseline,seeds,shuffled_mean,shuffled_std,delta", lines(shuffle.toCsv()).get(0));
    assertEquals(2, lines(shuffle.toCsv()).size());
    assertEquals(4, lines(shuffle.toCsv("runs")).size());

    StandaloneExperts alone = StandaloneExperts.run(m.layers, m::outputSum);
    JsonNode aj = JSON.readTree(alone.toJson());
    assertEquals(alone.scores()[2], aj.get("scores").get(2).asDouble(), 0.0);
    List<String> acsv = lines(alone.toCsv());
    assertEquals("expert,score,routed_baseline,delta", acsv.get(0));
    assertEquals(4, acsv.size());
    assertEquals(alone.scores()[1], Double.parseDouble(acsv.get(2).split(",")[1]), 0.0);

    ExpertSimilarity sim = ExpertSimilarity.of(m.layers);
    JsonNode xj = JSON.readTree(sim.toJson());
    assertEquals(sim.layers().get(0).cosine()[0][2],
        xj.get("layers").get(0).get("cosine").get(0).get(2).asDouble(), 0.0);
    assertEquals(1 + 9, lines(sim.toCsv()).size());
    assertEquals("layer,expert_a,expert_b,cosine", lines(sim.toCsv()).get(0));
    assertEquals("layer,experts,parameters_per_expert,mean_off_diagonal",
        lines(sim.toCsv("layers")).get(0));

    sim.writeTo(dir.resolve("out"), "similarity");
    assertEquals(sim.toJson(), Files.readString(dir.resolve("out/similarity.json")));
    assertEquals(sim.toCsv(), Files.readString(dir.resolve("out/similarity.csv")));
    assertEquals(sim.toCsv("layers"), Files.readString(dir.resolve("out/similarity-layers.csv")));
  }

  @Test
  void nanSurvivesTheJsonRoundTrip() throws IOException {
    ExpertSimilarity one = new ExpertSimilarity(List.of(ExpertSimilarity.ofExperts(0,
        TinyModel.randomMoe(MoeConfig.of(4, 5, 1, 1, 0.0), DataType.DOUBLE, 6).experts())));
    JsonNode j = JSON.readTree(one.toJson());
    assertTrue(Double.isNaN(j.get("layers").get(0).get("meanOffDiagonal").asDouble()));
    assertTrue(one.toCsv("layers").trim().endsWith(",NaN"));
  }

  @Test
  void csvTablesQuoteAndValidate() {
    CsvTable t = new CsvTable(List.of("name", "value"),
        List.of(List.of("a,b", 1.5), List.of("say \"hi\"", 2L), List.of(Modality.TEXT, true)));
    assertEquals("name,value\n\"a,b\",1.5\n\"say \"\"hi\"\"\",2\nTEXT,true\n", t.toCsv());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new CsvTable(List.of("a", "b"), List.of(List.of(1))));
    assertTrue(e.getMessage().contains("row 0 has 1 values"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new CsvTable(List.of("a", "a"), List.of()));
    assertThrows(IllegalArgumentException.class,
        () -> new CsvTable(List.of("a"), List.of(List.of(new Object()))));
  }
}
