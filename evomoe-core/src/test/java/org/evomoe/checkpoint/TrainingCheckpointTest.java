package org.evomoe.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.TestArrays;
import org.evomoe.evolution.EvolutionConfig;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.LinearRouter;
import org.evomoe.tensor.Parameter;
import org.evomoe.tuning.MicroBatchStep;
import org.evomoe.tuning.OptimSettings;
import org.evomoe.tuning.StageConfig;
import org.evomoe.tuning.StageResult;
import org.evomoe.tuning.StageRunner;
import org.evomoe.tuning.StageTrainer;
import org.evomoe.tuning.Stages;
import org.evomoe.tuning.ToyModel;
import org.evomoe.tuning.TrainerState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TrainingCheckpointTest {
  static final int D = 6;
  static final INDArray IMAGE = TestArrays.normal(1, DataType.FLOAT, 12, D);
  static final INDArray TEXT = TestArrays.normal(2, DataType.FLOAT, 12, D);
  static final INDArray TARGET;

  static {
    SwiGluFfn teacher = new SwiGluFfn("t", D, 10, DataType.FLOAT, new SplittableRandom(3));
    INDArray x = Nd4j.vstack(IMAGE, TEXT);
    TARGET = x.add(teacher.forward(x));
  }

  static ToyModel model() {
    return new ToyModel(D, 10, 4,
        rng -> new LinearRouter("model.layers.0.mlp.gate", D, 4, DataType.FLOAT, rng), 8, DataType.FLOAT);
  }

  static MicroBatchStep step(ToyModel m) {
    return (s, mb) -> m.trainStep(IMAGE, TEXT, TARGET);
  }

  static final OptimSettings O = new OptimSettings(10, 2, 0.02, 0.2, 0.1, 0.0, 1.0);
  static final StageConfig EVO = Stages.evolution(O, EvolutionConfig.paperDefaults(4, 11));

  static ToyModel warmedUp() {
    ToyModel m = model();
    StageRunner.run(m, Stages.warmup(O), step(m));
    return m;
  }

  @Test
  void resumingFromDiskContinuesBitIdentically(@TempDir Path root) throws IOException {
    ToyModel a = warmedUp();
    StageResult full = StageRunner.run(a, EVO, step(a));

    ToyModel b = warmedUp();
    try (StageTrainer t = new StageTrainer(b, EVO, step(b))) {
      for (int i = 0; i < 4; i++) {
        t.step();
      }
      TrainingCheckpoint.save(root, "step-000004", b.parameters(), t.exportState(), null);
    }
    Path dir = TrainingCheckpoint.latest(root).orElseThrow();
    assertEquals(root.resolve("step-000004"), dir);

    ToyModel c = model(); // fresh weights, overwritten by the checkpoint
    StageResult resumed;
    try (StageTrainer t = new StageTrainer(c, EVO, step(c))) {
      TrainerState s = TrainingCheckpoint.load(dir, c.parameters(), LoadOptions.defaults());
      t.restoreState(s);
      resumed = t.runToEnd(null);
    }
    assertArrayEquals(full.losses(), resumed.losses());
    List<Parameter> pa = a.parameters();
    List<Parameter> pc = c.parameters();
    for (int i = 0; i < pa.size(); i++) {
      assertEquals(0.0, TestArrays.maxAbsDiff(pa.get(i).value(), pc.get(i).value()), pa.get(i).name());
    }
  }

  @Test
  void aFailedSaveLeavesThePreviousCheckpointIntact(@TempDir Path root) throws IOException {
    ToyModel m = warmedUp();
    TrainerState state;
    try (StageTrainer t = new StageTrainer(m, EVO, step(m))) {
      t.step();
      state = t.exportState();
    }
    Path first = TrainingCheckpoint.save(root, "step-000001", m.parameters(), state, null);
    byte[] before = Files.readAllBytes(first.resolve("model.safetensors"));
    m.parameters().get(0).value().addi(1);
    TrainingCheckpoint.beforeCommit = () -> {
      throw new IllegalStateException("injected failure");
    };
    try {
      assertThrows(IllegalStateException.class,
          () -> TrainingCheckpoint.save(root, "step-000002", m.parameters(), state, null));
    } finally {
      TrainingCheckpoint.beforeCommit = () -> {};
    }
    assertEquals(first, TrainingCheckpoint.latest(root).orElseThrow());
    assertArrayEquals(before, Files.readAllBytes(first.resolve("model.safetensors")));
    assertFalse(Files.exists(root.resolve("step-000002")));
    try (var files = Files.list(root)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".tmp")), "temp folder left");
    }
    // And an existing checkpoint is never overwritten.
    assertThrows(java.nio.file.FileAlreadyExistsException.class,
        () -> TrainingCheckpoint.save(root, "step-000001", m.parameters(), state, null));
  }

  @Test
  void damagedOrMismatchedCheckpointsGiveCheckedErrors(@TempDir Path root) throws IOException {
    ToyModel m = warmedUp();
    TrainerState state;
    try (StageTrainer t = new StageTrainer(m, EVO, step(m))) {
      t.step();
      state = t.exportState();
    }
    Path dir = TrainingCheckpoint.save(root, "ok", m.parameters(), state, null);
    // A model with other parameter names: missing and extra tensors are named.
    ToyModel other = new ToyModel(D, 10, 2,
        rng -> new LinearRouter("model.layers.0.mlp.gate", D, 2, DataType.FLOAT, rng), 8, DataType.FLOAT);
    TensorSetMismatchException e = assertThrows(TensorSetMismatchException.class,
        () -> TrainingCheckpoint.load(dir, other.parameters(), LoadOptions.defaults()));
    assertTrue(e.getMessage().contains("experts.3"), e.getMessage());
    // Truncated trainer.json.
    Path trainer = dir.resolve("trainer.json");
    byte[] json = Files.readAllBytes(trainer);
    Files.write(trainer, java.util.Arrays.copyOf(json, json.length / 2));
    assertThrows(CheckpointFormatException.class,
        () -> TrainingCheckpoint.load(dir, m.parameters(), LoadOptions.defaults()));
    // Truncated weights.
    Files.write(trainer, json);
    Path weights = dir.resolve("model.safetensors");
    byte[] w = Files.readAllBytes(weights);
    Files.write(weights, java.util.Arrays.copyOf(w, w.length - 7));
    CheckpointFormatException t = assertThrows(CheckpointFormatException.class,
        () -> TrainingCheckpoint.load(dir, m.parameters(), LoadOptions.defaults()));
    assertTrue(t.getMessage().contains("model.safetensors"), t.getMessage());
  }
}
