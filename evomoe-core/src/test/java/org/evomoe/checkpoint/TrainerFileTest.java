package org.evomoe.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.evomoe.evolution.EvolutionRule;
import org.evomoe.evolution.EvolutionState;
import org.evomoe.optim.AdamWParameterState;
import org.evomoe.tensor.Parameter;
import org.evomoe.tuning.TrainerState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code trainer.json} is the record {@link TrainerFile}; its JSON is the one the tree-building
 * writer of earlier versions produced ({@link #previousWriter}, kept here as the oracle), so
 * checkpoints written before load, field for field.
 */
class TrainerFileTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static TrainerState state(EvolutionState evo) {
    Map<String, AdamWParameterState> opt = Map.of(
        "b.weight", new AdamWParameterState(3, Nd4j.ones(DataType.FLOAT, 2), Nd4j.zeros(DataType.FLOAT, 2)),
        "a.weight", new AdamWParameterState(2, Nd4j.ones(DataType.FLOAT, 3), Nd4j.ones(DataType.FLOAT, 3)));
    return new TrainerState("stage2-evolution", 3, opt, evo, new double[] {2.5, Double.NaN, 1.25},
        new double[] {1e-3, 2e-3, 3e-3}, new double[] {0.5, 0.25, Double.POSITIVE_INFINITY});
  }

  /** The writer of earlier versions (a tree built key by key), verbatim. */
  private static ObjectNode previousWriter(TrainerState s) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", TrainingCheckpoint.FORMAT);
    root.put("stage", s.stage());
    root.put("nextStep", s.nextStep());
    ObjectNode steps = root.putObject("optimizerSteps");
    s.optimizer().entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> steps.put(e.getKey(), e.getValue().step()));
    if (s.evolution() != null) {
      ObjectNode evo = root.putObject("evolution");
      evo.put("rule", s.evolution().rule().name());
      evo.put("steps", s.evolution().steps());
      evo.put("rngState", s.evolution().rngState());
      ArrayNode betas = evo.putArray("lastBetas");
      for (double b : s.evolution().lastBetas()) {
        betas.add(b);
      }
    }
    for (String f : List.of("losses", "learningRates", "gradNorms")) {
      ArrayNode a = root.putArray(f);
      double[] v = f.equals("losses") ? s.losses() : f.equals("learningRates") ? s.learningRates()
          : s.gradNorms();
      for (double x : v) {
        a.add(x);
      }
    }
    return root;
  }

  private static JsonNode text(Object value) throws IOException {
    return JSON.readTree(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value));
  }

  @Test
  void writesTheJsonOfThePreviousWriterAndReadsItBack(@TempDir Path dir) throws IOException {
    List<EvolutionState> evolutions = List.of(
        new EvolutionState(EvolutionRule.EMA, 7, -1234567890123L, new double[] {0.75, Double.NaN}));
    for (EvolutionState evo : new EvolutionState[] {evolutions.get(0), null}) {
      TrainerState s = state(evo);
      assertEquals(text(previousWriter(s)), text(TrainerFile.of(s)));
      // A file of the previous writer reads back to the same state.
      Path file = dir.resolve(evo == null ? "plain.json" : "evolved.json");
      Files.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(previousWriter(s)));
      TrainerFile back = TrainingCheckpoint.readTrainerFile(file);
      assertEquals(text(TrainerFile.of(s)), text(back));
      assertEquals(evo, back.evolution());
      assertEquals(List.of("a.weight", "b.weight"), List.copyOf(back.optimizerSteps().keySet()));
      assertArrayEquals(s.losses(), back.losses(), 0.0);
      assertArrayEquals(s.gradNorms(), back.gradNorms(), 0.0);
    }
    assertNull(TrainingCheckpoint.readTrainerFile(dir.resolve("plain.json")).evolution());
  }

  @Test
  void checkpointRoundTripKeepsTheTrainerState(@TempDir Path dir) throws IOException {
    TrainerState s = state(new EvolutionState(EvolutionRule.PARTIAL_UPDATE, 1, 5, new double[] {0.5}));
    Parameter p = new Parameter("a.weight", Nd4j.ones(DataType.FLOAT, 3), true);
    Path ckpt = TrainingCheckpoint.save(dir, "step-1", List.of(p), s, null);
    TrainerState back = TrainingCheckpoint.load(ckpt, List.of(p), LoadOptions.defaults());
    assertEquals(s.stage(), back.stage());
    assertEquals(s.nextStep(), back.nextStep());
    assertEquals(s.evolution(), back.evolution());
    assertEquals(3L, back.optimizer().get("b.weight").step());
    assertArrayEquals(s.learningRates(), back.learningRates(), 0.0);
  }

  @Test
  void invalidFilesNameTheProblem(@TempDir Path dir) throws IOException {
    ObjectNode good = previousWriter(state(null));
    assertInvalid(dir, good, n -> n.put("format", "evomoe-trainer/0"), "format must be");
    assertInvalid(dir, good, n -> n.remove("nextStep"), "nextStep");
    assertInvalid(dir, good, n -> n.putNull("nextStep"), "nextStep");
    assertInvalid(dir, good, n -> n.remove("stage"), "missing field stage");
    assertInvalid(dir, good, n -> n.remove("losses"), "missing field losses");
    assertInvalid(dir, good, n -> n.put("losses", "many"), "invalid trainer state");
    Path truncated = dir.resolve("truncated.json");
    Files.writeString(truncated, "{\"format\": \"evomoe-trainer/1\", \"stage\"");
    CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
        () -> TrainingCheckpoint.readTrainerFile(truncated));
    assertTrue(e.getMessage().contains("malformed JSON"), e.getMessage());
  }

  private static void assertInvalid(Path dir, ObjectNode good, Consumer<ObjectNode> damage,
      String expected) throws IOException {
    ObjectNode bad = good.deepCopy();
    damage.accept(bad);
    Path file = dir.resolve("bad.json");
    Files.write(file, JSON.writeValueAsBytes(bad));
    CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
        () -> TrainingCheckpoint.readTrainerFile(file));
    assertTrue(e.getMessage().contains("invalid trainer state") && e.getMessage().contains(expected),
        e.getMessage());
  }
}
