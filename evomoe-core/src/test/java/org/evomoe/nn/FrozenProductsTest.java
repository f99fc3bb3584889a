package org.evomoe.nn;

import static org.evomoe.TestArrays.maxAbsDiff;
import static org.evomoe.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.evomoe.checkpoint.LoadOptions;
import org.evomoe.checkpoint.ModelWeights;
import org.evomoe.optim.AdamW;
import org.evomoe.optim.AdamWConfig;
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
 * Inside a {@link FrozenWeights} scope, {@link Linear} and {@link SwiGluFfn} run forwards of a few
 * rows in plain Java on copies of their weights made once per scope. Oracles: the unscoped forward
 * (ND4J gemms, the training path); every change of the weights between two scopes is seen by the
 * next scope's first forward.
 */
class FrozenProductsTest {
  private static final int D = 24;
  private static final int H = 40;

  private static double tolerance(DataType type) {
    return type == DataType.FLOAT ? 2e-5 : 1e-12;
  }

  private static Linear linear(DataType type, long seed) {
    return new Linear("lin", D, 17, true, type, new SplittableRandom(seed));
  }

  private static SwiGluFfn ffn(DataType type, long seed) {
    return new SwiGluFfn("ffn", D, H, type, new SplittableRandom(seed));
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
  void scopedForwardsEqualUnscopedOnesForEveryRowCount(DataType type) {
    Linear lin = linear(type, 1);
    lin.bias().value().assign(normal(2, type, 17)); // a bias that is not zero
    SwiGluFfn f = ffn(type, 3);
    for (int rows = 1; rows <= TransposedWeights.MAX_ROWS + 2; rows++) {
      INDArray x = normal(10 + rows, type, rows, D);
      INDArray wantLin = lin.forward(x).dup();
      INDArray wantFfn = f.forward(x).dup();
      INDArray gotLin;
      INDArray gotFfn;
      try (FrozenWeights ignored = FrozenWeights.open()) {
        gotLin = lin.forward(x).dup();
        gotFfn = f.forward(x).dup();
      }
      double tol = rows <= TransposedWeights.MAX_ROWS ? tolerance(type) : 0.0;
      assertTrue(maxAbsDiff(gotLin, wantLin) <= tol, rows + " rows: " + maxAbsDiff(gotLin, wantLin));
      assertTrue(maxAbsDiff(gotFfn, wantFfn) <= tol, rows + " rows: " + maxAbsDiff(gotFfn, wantFfn));
    }
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
  void theCopiesAreMadeOncePerScopeOutsideTheStepWorkspaceAndDroppedOutsideAScope(DataType type) {
    Linear lin = linear(type, 4);
    SwiGluFfn f = ffn(type, 5);
    INDArray x = normal(6, type, 3, D);
    INDArray wantLin = lin.forward(x).dup();
    INDArray wantFfn = f.forward(x).dup();
    TransposedWeights keptLin;
    TransposedWeights[] keptFfn;
    try (FrozenWeights ignored = FrozenWeights.open()) {
      for (int step = 0; step < 3; step++) {
        try (MemoryWorkspace ws = StepWorkspace.open("frozen-products-test")) {
          Nd4j.createUninitialized(type, 64, 256).assign(Double.NaN);
          assertTrue(maxAbsDiff(lin.forward(x), wantLin) <= tolerance(type));
          assertTrue(maxAbsDiff(f.forward(x), wantFfn) <= tolerance(type));
        }
      }
      keptLin = lin.keptTransposed();
      keptFfn = f.keptTransposed();
      assertNotNull(keptLin);
      assertNotNull(keptFfn[0]);
      assertNotNull(keptFfn[1]);
      assertEquals(2 * H, keptFfn[0].out(), "gate and up in one copy");
      lin.forward(x);
      f.forward(x);
      assertSame(keptLin, lin.keptTransposed(), "reused within the scope");
      assertSame(keptFfn[0], f.keptTransposed()[0], "reused within the scope");
      assertSame(keptFfn[1], f.keptTransposed()[1], "reused within the scope");
    } finally {
      StepWorkspace.release("frozen-products-test");
    }
    try (FrozenWeights ignored = FrozenWeights.open()) {
      lin.forward(x);
      f.forward(x);
      assertNotSame(keptLin, lin.keptTransposed(), "a new scope makes a new copy");
      assertNotSame(keptFfn[0], f.keptTransposed()[0], "a new scope makes a new copy");
    }
    assertEquals(0.0, maxAbsDiff(lin.forward(x), wantLin), "outside a scope: the gemm path");
    assertEquals(0.0, maxAbsDiff(f.forward(x), wantFfn), "outside a scope: the gemm path");
    assertNull(lin.keptTransposed(), "an unscoped forward keeps nothing");
    assertNull(f.keptTransposed()[0], "an unscoped forward keeps nothing");
    assertNull(f.keptTransposed()[1], "an unscoped forward keeps nothing");
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
  void theBackwardAfterAScopedForwardIsTheUnscopedOnes(DataType type) {
    SwiGluFfn a = ffn(type, 7);
    SwiGluFfn b = ffn(type, 7);
    Linear la = linear(type, 8);
    Linear lb = linear(type, 8);
    INDArray x = normal(9, type, 4, D);
    INDArray dy = normal(10, type, 4, D);
    INDArray dyLin = normal(11, type, 4, 17);
    a.forward(x);
    la.forward(x);
    try (FrozenWeights ignored = FrozenWeights.open()) {
      b.forward(x);
      lb.forward(x);
    }
    assertTrue(maxAbsDiff(a.backward(dy), b.backward(dy)) <= 10 * tolerance(type));
    for (int i = 0; i < 3; i++) {
      Parameter pa = a.parameters().get(i);
      Parameter pb = b.parameters().get(i);
      assertTrue(maxAbsDiff(pa.grad(), pb.grad()) <= 10 * tolerance(type), pa.name());
    }
    // Linear's backward reads only the input and the weight: the same bits.
    assertEquals(0.0, maxAbsDiff(la.backward(dyLin), lb.backward(dyLin)));
    assertEquals(0.0, maxAbsDiff(la.weight().grad(), lb.weight().grad()));
    assertEquals(0.0, maxAbsDiff(la.bias().grad(), lb.bias().grad()));
  }

  /**
   * A change between two scopes, with no unscoped forward in between (which would drop the
   * copies): the next scope's forwards equal a twin's unscoped forward after the same change.
   */
  private static <L extends Layer> void assertNextScopeSeesChange(
      Supplier<L> make, java.util.function.BiFunction<L, INDArray, INDArray> forward,
      DataType type, Consumer<L> change) {
    L layer = make.get();
    L twin = make.get();
    INDArray x = normal(21, type, 3, D);
    INDArray before;
    try (FrozenWeights ignored = FrozenWeights.open()) {
      before = forward.apply(layer, x).dup();
      forward.apply(layer, x);
    }
    change.accept(layer);
    change.accept(twin);
    INDArray want = forward.apply(twin, x).dup();
    assertTrue(maxAbsDiff(want, before) > 1e-3, "the change did not move the output");
    try (FrozenWeights ignored = FrozenWeights.open()) {
      assertTrue(maxAbsDiff(forward.apply(layer, x), want) <= tolerance(type));
      assertTrue(maxAbsDiff(forward.apply(layer, x), want) <= tolerance(type));
    }
  }

  private static void eachChange(DataType type, Path dir, Consumer<Consumer<Layer>> body)
      throws Exception {
    body.accept(l -> { // an optimiser step
      long s = 40;
      for (Parameter p : l.parameters()) {
        p.grad().assign(normal(++s, type, p.value().shape()));
      }
      new AdamW(AdamWConfig.withDefaults(0.05, 0.0), l.parameters()).step();
    });
    body.accept(l -> l.parameters().get(l.parameters().size() - 1).value().addi(0.5)); // direct
    body.accept(l -> l.parameters().get(0).value().muli(-2));
    body.accept(l -> { // a checkpoint load of other weights
      try {
        Path file = dir.resolve("other-" + System.nanoTime() + ".safetensors");
        Layer other = l instanceof Linear ? linear(type, 99) : ffn(type, 99);
        ModelWeights.save(file, other.parameters(), java.util.Map.of());
        ModelWeights.load(file, l.parameters(), LoadOptions.defaults());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
  void everyChangeOfTheWeightsBetweenScopesIsSeen(DataType type, @TempDir Path dir)
      throws Exception {
    eachChange(type, dir, change -> {
      assertNextScopeSeesChange(() -> linear(type, 31), Linear::forward, type, change::accept);
      assertNextScopeSeesChange(() -> ffn(type, 32), SwiGluFfn::forward, type, change::accept);
    });
  }
}
