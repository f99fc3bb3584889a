package org.evomoe.examples.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.evomoe.examples.data.instruct.InstructionSample;
import org.evomoe.examples.data.instruct.InstructionTask;
import org.evomoe.examples.model.MoeSettings;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.study.Scores;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** In-template and held-out scores of the evaluator on a small random model. */
class EvaluatorTest {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();
  private static DemoPipeline pipeline;
  private static VisionLanguageModel model;
  private static Evaluator evaluator;
  private static List<InstructionSample> in;
  private static List<InstructionSample> heldOut;

  @BeforeAll
  static void setUp() throws Exception {
    pipeline = new DemoPipeline(TinySettings.of(3));
    model = pipeline.newModel(MoeSettings.evoMoe(4));
    evaluator = new Evaluator(pipeline.batcher(), pipeline.tokenizer(), 16);
    in = pipeline.data().test().subList(0, 96);
    heldOut = pipeline.data().testHeldOut().subList(0, 96);
  }

  @Test
  void heldOutScoresAreThoseOfTheRewordedSamplesBesideUnchangedInTemplateScores() {
    EvalResult both = evaluator.evaluate(model, in, heldOut);
    EvalResult alone = evaluator.evaluate(model, in);
    EvalResult reworded = evaluator.evaluate(model, heldOut);
    assertFalse(alone.hasHeldOut());
    assertTrue(both.hasHeldOut());
    assertEquals(alone.tasks(), both.tasks());
    assertEquals(alone.pope(), both.pope());
    assertEquals(reworded.tasks(), both.heldOutTasks());
    assertEquals(reworded.pope(), both.heldOutPope());
    assertEquals(alone.average(), both.average(), 0.0);
    assertEquals(reworded.average(), both.heldOutAverage(), 0.0);
    assertTrue(Double.isNaN(alone.heldOutAverage()));
    // Paired samples: every task has as many held-out samples as in-template ones.
    both.tasks().forEach((t, score) -> assertEquals(score.total(), both.heldOutTasks().get(t).total(), t));
    assertThrows(IllegalArgumentException.class, () -> evaluator.evaluate(model, in, List.of()));
  }

  @Test
  void resultsJsonCarriesHeldOutBesideTheInTemplateFields() {
    Map<String, TaskScore> tasks = Map.of("pope", new TaskScore("pope", 3, 4));
    Map<String, TaskScore> held = Map.of("pope", new TaskScore("pope", 1, 4));
    Map<String, PopeScore> pope = Map.of("all", new PopeScore("all", 2, 0, 1, 1));
    Map<String, PopeScore> heldPope = Map.of("all", new PopeScore("all", 1, 2, 0, 1));
    JsonNode j = JSON.valueToTree(Scores.of(new EvalResult(tasks, pope, held, heldPope)));
    assertEquals(0.75, j.at("/tasks/pope/accuracy").asDouble(), 0.0);
    assertEquals(0.75, j.get("average").asDouble(), 0.0);
    assertEquals(0.25, j.at("/heldOut/tasks/pope/accuracy").asDouble(), 0.0);
    assertEquals(1, j.at("/heldOut/tasks/pope/correct").asInt());
    assertEquals(0.25, j.at("/heldOut/average").asDouble(), 0.0);
    assertEquals(0.25, j.at("/heldOut/pope/all/accuracy").asDouble(), 0.0);
    assertFalse(JSON.valueToTree(Scores.of(new EvalResult(tasks, pope))).has("heldOut"));
  }

  @Test
  void everyHeldOutSampleFitsTheBatcherWithoutUnknownWords() {
    // The sequence length is sized from all splits, held-out wordings included.
    int unk = pipeline.tokenizer().id("<unk>");
    for (InstructionSample s : pipeline.data().testHeldOut()) {
      for (int id : pipeline.tokenizer().encode(s.prompt())) {
        assertTrue(id != unk, "unknown word in '" + s.prompt() + "'");
      }
    }
    for (InstructionTask t : InstructionTask.values()) {
      List<InstructionSample> ofTask = Evaluator.ofTasks(pipeline.data().testHeldOut(), t);
      assertFalse(ofTask.isEmpty(), t.taskName());
      pipeline.batcher().batch(ofTask.subList(0, Math.min(8, ofTask.size())));
    }
  }
}
