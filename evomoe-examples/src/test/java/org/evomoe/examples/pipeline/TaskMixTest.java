package org.evomoe.examples.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.evomoe.examples.data.instruct.InstructionSample;
import org.evomoe.examples.data.instruct.InstructionTask;
import org.junit.jupiter.api.Test;

class TaskMixTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void readsAndWritesTaskNamesInCanonicalOrder() throws Exception {
    TaskMix m = JSON.readValue("[\"text-plural\", \"caption\", \"position\"]", TaskMix.class);
    assertEquals(List.of(InstructionTask.POSITION, InstructionTask.CAPTION,
        InstructionTask.TEXT_PLURAL), m.tasks());
    assertEquals("[\"position\",\"caption\",\"text-plural\"]", JSON.writeValueAsString(m));
    assertEquals(m, TaskMix.of(InstructionTask.CAPTION, InstructionTask.TEXT_PLURAL,
        InstructionTask.POSITION), "a mix is a set: order does not matter");
    assertTrue(TaskMix.all().isAll());
    assertFalse(m.isAll());
    assertEquals(InstructionTask.values().length, TaskMix.all().names().size());
  }

  @Test
  void badMixesAreRefusedByName() {
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> TaskMix.ofNames(List.of("caption", "counts")));
    assertTrue(unknown.getMessage().contains("unknown task 'counts'"), unknown.getMessage());
    assertTrue(unknown.getMessage().contains("counting"), "lists the known tasks: " + unknown.getMessage());
    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
        () -> TaskMix.ofNames(List.of("pope", "pope")));
    assertTrue(twice.getMessage().contains("'pope' is listed twice"), twice.getMessage());
    IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
        () -> TaskMix.ofNames(List.of()));
    assertTrue(empty.getMessage().contains("at least one task"), empty.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new TaskMix(Arrays.asList(
        InstructionTask.POPE, null)));
  }

  @Test
  void stageOneDefaultsToItsMixAndOldSettingsReadAsEveryTask() throws Exception {
    for (boolean quick : new boolean[] {false, true}) {
      DemoSettings d = DemoSettings.defaults(quick);
      assertEquals(DemoSettings.defaultStage1Tasks(), d.stage1Tasks());
      // Stage I at its plateau (docs/regime-sweep.md, sweeps 3 and 4; docs/demo-results.md).
      assertEquals(quick ? 2400 : 1400, d.stage1Steps());
      assertEquals(TaskMix.all(), d.armTasks());
      assertTrue(d.armTasks().tasks().containsAll(d.stage1Tasks().tasks()),
          "the arms keep Stage I's tasks, so no arm is scored on forgetting alone");
      assertEquals(List.of(InstructionTask.COUNTING, InstructionTask.POPE),
          TaskMix.all().tasks().stream().filter(t -> !d.stage1Tasks().contains(t)).toList(),
          "Stage I leaves counting and POPE to the arms");
      ObjectNode n = JSON.valueToTree(d);
      assertEquals(JSON.valueToTree(d.stage1Tasks().names()), n.get("stage1Tasks"),
          "results.json's settings record the mixes by task name");
      DemoSettings back = JSON.treeToValue(n, DemoSettings.class);
      assertEquals(d.withOut(back.out()), back); // a Path reads back absolute
      // Settings written before the mixes existed (results.json, plan.json of earlier runs)
      // trained every stage on every task, and read so.
      n.remove("stage1Tasks");
      n.remove("armTasks");
      assertEquals(back.withTasks(TaskMix.all(), TaskMix.all()),
          JSON.treeToValue(n, DemoSettings.class));
    }
  }

  @Test
  void eachStageDrawsOnlyTheTasksOfItsMixAndIsValidatedOnThem() throws Exception {
    TaskMix a = TaskMix.of(InstructionTask.CAPTION, InstructionTask.POSITION,
        InstructionTask.TEXT_PLURAL);
    TaskMix b = TaskMix.of(InstructionTask.COUNTING, InstructionTask.POPE, InstructionTask.CAPTION);
    DemoPipeline p = new DemoPipeline(TinySettings.of(3).withTasks(a, b));
    Map<InstructionTask, Integer> stage1 = counts(p, DemoPipeline.Pool.STAGE1, 300);
    Map<InstructionTask, Integer> arms = counts(p, DemoPipeline.Pool.ARMS, 300);
    assertEquals(a.tasks(), new ArrayList<>(stage1.keySet()), "Stage I batches: " + stage1);
    assertEquals(b.tasks(), new ArrayList<>(arms.keySet()), "batches after Stage I: " + arms);
    Map<InstructionTask, Integer> align = counts(p, DemoPipeline.Pool.CAPTIONS, 20);
    assertEquals(List.of(InstructionTask.CAPTION), new ArrayList<>(align.keySet()));

    // Validation: the held-out samples of the mix, none of them trained on.
    List<InstructionSample> all = p.validation().samples();
    assertEquals(a.select(all), p.validation(DemoPipeline.Pool.STAGE1).samples());
    assertEquals(b.select(all), p.validation(DemoPipeline.Pool.ARMS).samples());
    assertSame(p.validation(DemoPipeline.Pool.STAGE1), p.validation(DemoPipeline.Pool.CAPTIONS));
    assertTrue(p.validation(DemoPipeline.Pool.ARMS).size() < all.size());
    for (InstructionSample s : p.validation(DemoPipeline.Pool.ARMS).samples()) {
      assertTrue(b.contains(s.task()));
    }
    // Same data either way: the mixes change which samples a stage draws, not the data.
    DemoPipeline every = new DemoPipeline(TinySettings.of(3).withTasks(TaskMix.all(), TaskMix.all()));
    assertEquals(every.trainPool(), p.trainPool());
    assertSame(every.validation(), every.validation(DemoPipeline.Pool.ARMS));
    assertSame(every.trainPool(), every.poolSamples(DemoPipeline.Pool.STAGE1));
  }

  @Test
  void aMixWithoutValidationSamplesIsRefused() throws Exception {
    ObjectNode n = JSON.valueToTree(TinySettings.of(3));
    n.put("validationSamples", 1);
    DemoSettings one = JSON.treeToValue(n, DemoSettings.class);
    InstructionTask present = new DemoPipeline(one).validation().samples().get(0).task();
    InstructionTask absent = present == InstructionTask.POPE ? InstructionTask.CAPTION
        : InstructionTask.POPE;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new DemoPipeline(one.withTasks(TaskMix.all(), TaskMix.of(absent))));
    assertTrue(e.getMessage().contains("armTasks [" + absent.taskName() + "] selects none of the 1"
        + " validation samples"), e.getMessage());
    new DemoPipeline(one.withTasks(TaskMix.of(present), TaskMix.all())); // the one it holds: fine
  }

  private static Map<InstructionTask, Integer> counts(DemoPipeline p, DemoPipeline.Pool pool,
      int steps) {
    Map<InstructionTask, Integer> c = new EnumMap<>(InstructionTask.class);
    for (int i = 0; i < steps; i++) {
      for (InstructionSample s : p.batch(pool, i)) {
        c.merge(s.task(), 1, Integer::sum);
      }
    }
    return c;
  }
}
