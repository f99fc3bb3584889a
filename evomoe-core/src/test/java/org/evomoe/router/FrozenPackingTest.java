package org.evomoe.router;

import static org.evomoe.TestArrays.maxAbsDiff;
import static org.evomoe.TestArrays.normal;
import static org.evomoe.router.DynamicTokenRouterTest.router;
import static org.evomoe.router.ModalityLinearRouterTest.mixed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.evomoe.checkpoint.LoadOptions;
import org.evomoe.checkpoint.ModelWeights;
import org.evomoe.optim.AdamW;
import org.evomoe.optim.AdamWConfig;
import org.evomoe.router.DynamicTokenRouterTest.Sized;
import org.evomoe.tensor.FrozenWeights;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.StepWorkspace;
import org.evomoe.tensor.TransposedWeights;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The DTR keeps its packed [W2 | b2] between forwards inside a {@link FrozenWeights} scope: the
 * outputs must equal the unscoped forward (which packs every call), and every change of the
 * weights between scopes must be seen by the next scope's first forward. Inside a scope a
 * modality's products of at most {@link TransposedWeights#MAX_ROWS} rows (and the first layer's)
 * run in plain Java ({@link TransposedWeights}), which rounds differently from the gemm: those
 * results are compared to within a float's rounding; every change tested moves the logits by
 * far more.
 */
class FrozenPackingTest {
  private static final DataType F = DataType.FLOAT;

  /** Scoped against unscoped: 1e-6 relative to the largest value (float rounding of the sums). */
  private static void assertScopedClose(INDArray got, INDArray want, String what) {
    double scale = 1 + want.amaxNumber().doubleValue();
    double diff = maxAbsDiff(got, want);
    assertTrue(diff <= 1e-6 * scale, what + ": " + diff);
  }

  private static Sized sized(ThetaContraction order) {
    return new Sized(12, 5, new DtrConfig(3, 4, 7, HyperActivation.SILU, true, order));
  }

  /** Forward outside any scope: packs the current weights (the oracle). */
  private static INDArray unscoped(DynamicTokenRouter r, INDArray x, Modality[] tags) {
    return r.forward(x, tags).dup();
  }

  @ParameterizedTest
  @EnumSource(ThetaContraction.class)
  void scopedForwardsEqualUnscopedOnesAcrossStepWorkspaces(ThetaContraction order) {
    DynamicTokenRouter r = router(sized(order), F, 3);
    INDArray x1 = normal(1, 9, 12).castTo(F);
    INDArray x2 = normal(2, 4, 12).castTo(F);
    Modality[] t1 = mixed(9);
    Modality[] t2 = mixed(4);
    INDArray want1 = unscoped(r, x1, t1);
    INDArray want2 = unscoped(r, x2, t2);
    try (FrozenWeights ignored = FrozenWeights.open()) {
      for (int step = 0; step < 4; step++) {
        // Each forward in a step workspace that the next step reuses and overwrites: the kept
        // packed arrays must live outside it.
        try (MemoryWorkspace ws = StepWorkspace.open("frozen-packing-test")) {
          Nd4j.createUninitialized(F, 64, 1024).assign(Float.NaN);
          INDArray got = r.forward(step % 2 == 0 ? x1 : x2, step % 2 == 0 ? t1 : t2);
          assertScopedClose(got, step % 2 == 0 ? want1 : want2, "step " + step);
        }
      }
    } finally {
      StepWorkspace.release("frozen-packing-test");
    }
  }

  /**
   * A change of the weights between two scopes, with no unscoped forward of {@code r} in between
   * (such a forward drops the kept arrays); the oracle is a twin router given the same change.
   */
  private static void assertNextScopeSeesChange(ThetaContraction order, long seed,
      java.util.function.Consumer<DynamicTokenRouter> change) {
    DynamicTokenRouter r = router(sized(order), F, seed);
    DynamicTokenRouter twin = router(sized(order), F, seed);
    INDArray x = normal(seed + 100, 6, 12).castTo(F);
    Modality[] tags = mixed(6);
    INDArray before;
    try (FrozenWeights ignored = FrozenWeights.open()) {
      before = r.forward(x, tags).dup();
      r.forward(x, tags);
    }
    change.accept(r);
    change.accept(twin);
    INDArray want = unscoped(twin, x, tags);
    assertTrue(maxAbsDiff(want, before) > 1e-4, "the change did not move the logits");
    try (FrozenWeights ignored = FrozenWeights.open()) {
      assertScopedClose(r.forward(x, tags), want, "first forward of the next scope");
      assertScopedClose(r.forward(x, tags), want, "second forward of the next scope");
    }
  }

  @ParameterizedTest
  @EnumSource(ThetaContraction.class)
  void anOptimiserStepBetweenScopesIsSeen(ThetaContraction order) {
    assertNextScopeSeesChange(order, 5, r -> {
      long s = 40;
      for (Parameter p : r.parameters()) {
        p.grad().assign(normal(++s, p.value().shape()).castTo(F));
      }
      new AdamW(AdamWConfig.withDefaults(0.05, 0.0), r.parameters()).step();
    });
  }

  @ParameterizedTest
  @EnumSource(ThetaContraction.class)
  void aDirectWriteOfW2OrItsBiasBetweenScopesIsSeen(ThetaContraction order) {
    assertNextScopeSeesChange(order, 7, r -> r.hyperFc2Bias(Modality.TEXT).value().addi(0.5));
    assertNextScopeSeesChange(order, 8, r -> r.hyperFc2Weight(Modality.IMAGE).value().muli(-2));
  }

  @ParameterizedTest
  @EnumSource(ThetaContraction.class)
  void aCheckpointLoadBetweenScopesIsSeen(ThetaContraction order, @TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("other.safetensors");
    ModelWeights.save(file, router(sized(order), F, 99).parameters(), java.util.Map.of());
    assertNextScopeSeesChange(order, 9, r -> {
      try {
        ModelWeights.load(file, r.parameters(), LoadOptions.defaults());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  /**
   * Many generations of packed arrays (one scope per weight change): each generation is reused
   * within its scope, stays open after it (a backward may still read it) and is closed when the
   * next scope's first forward replaces it; an unscoped forward closes the last one. Outputs and
   * input gradients equal a twin router's unscoped ones bit for bit throughout.
   */
  @ParameterizedTest
  @EnumSource(ThetaContraction.class)
  void replacedGenerationsAreClosedAndResultsStayIdentical(ThetaContraction order) {
    DynamicTokenRouter r = router(sized(order), F, 13);
    DynamicTokenRouter twin = router(sized(order), F, 13);
    INDArray x = normal(14, 7, 12).castTo(F);
    INDArray dy = normal(15, 7, 5).castTo(F);
    Modality[] tags = mixed(7);
    java.util.List<INDArray> earlier = new java.util.ArrayList<>();
    for (int generation = 0; generation < 25; generation++) {
      double shift = 0.01 * (generation + 1);
      for (DynamicTokenRouter each : java.util.List.of(r, twin)) {
        each.hyperFc2Bias(Modality.TEXT).value().addi(shift);
        each.hyperFc2Weight(Modality.IMAGE).value().addi(-shift);
      }
      INDArray want = unscoped(twin, x, tags);
      INDArray wantDx = twin.backward(dy).dup();
      INDArray got;
      java.util.List<INDArray> kept;
      try (FrozenWeights ignored = FrozenWeights.open()) {
        assertScopedClose(r.forward(x, tags), want, "generation " + generation);
        kept = r.keptPackedArrays();
        assertEquals(order == ThetaContraction.CONTRACTED ? 4 : 2, kept.size(), "two modalities");
        got = r.forward(x, tags);
        assertScopedClose(got, want, "generation " + generation + ", reused");
        java.util.List<INDArray> again = r.keptPackedArrays();
        for (int i = 0; i < kept.size(); i++) {
          org.junit.jupiter.api.Assertions.assertSame(kept.get(i), again.get(i), "reused, not rebuilt");
        }
      }
      // After the scope: the generation is still open, and the backward reads it.
      for (INDArray a : kept) {
        org.junit.jupiter.api.Assertions.assertFalse(a.wasClosed(), "generation " + generation);
      }
      assertScopedClose(r.backward(dy), wantDx, "generation " + generation + " dx");
      for (INDArray a : earlier) {
        assertTrue(a.wasClosed(), "an earlier generation is closed at generation " + generation);
      }
      earlier.addAll(kept);
    }
    assertEquals(25 * (order == ThetaContraction.CONTRACTED ? 4 : 2), earlier.size());
    INDArray want = unscoped(twin, x, tags);
    assertEquals(0.0, maxAbsDiff(r.forward(x, tags), want), "unscoped forward");
    assertTrue(r.keptPackedArrays().isEmpty(), "an unscoped forward keeps nothing");
    for (INDArray a : earlier) {
      assertTrue(a.wasClosed(), "every generation closed after an unscoped forward");
    }
  }

  @org.junit.jupiter.api.Test
  void mutatingPathsRefuseToRunInsideAScope(@TempDir Path dir) throws Exception {
    DynamicTokenRouter r = router(sized(ThetaContraction.CONTRACTED), F, 11);
    INDArray x = normal(7, 3, 12).castTo(F);
    r.forward(x, mixed(3));
    r.backward(normal(8, 3, 5).castTo(F));
    AdamW opt = new AdamW(AdamWConfig.withDefaults(0.01, 0.0), r.parameters());
    Path file = dir.resolve("r.safetensors");
    ModelWeights.save(file, r.parameters(), java.util.Map.of());
    Parameter p = r.phiWeight();
    try (FrozenWeights outer = FrozenWeights.open()) {
      long id = FrozenWeights.currentId();
      assertTrue(id > 0);
      try (FrozenWeights inner = FrozenWeights.open()) {
        assertEquals(id, FrozenWeights.currentId(), "a nested scope joins the outer one");
      }
      assertEquals(id, FrozenWeights.currentId(), "closing the inner handle keeps the scope");
      IllegalStateException e = assertThrows(IllegalStateException.class, opt::step);
      assertTrue(e.getMessage().contains("AdamW.step"), e.getMessage());
      assertThrows(IllegalStateException.class,
          () -> ModelWeights.load(file, r.parameters(), LoadOptions.defaults()));
      assertThrows(IllegalStateException.class,
          () -> p.bind(p.value().dup(), p.value().dup()));
    }
    assertEquals(0, FrozenWeights.currentId());
    long a;
    try (FrozenWeights s = FrozenWeights.open()) {
      a = FrozenWeights.currentId();
    }
    try (FrozenWeights s = FrozenWeights.open()) {
      assertTrue(FrozenWeights.currentId() > a, "scope ids are never reused");
    }
    opt.step(); // allowed again
  }
}
