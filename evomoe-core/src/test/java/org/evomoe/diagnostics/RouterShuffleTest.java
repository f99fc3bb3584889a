package org.evomoe.diagnostics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.Upcycling;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.LinearRouter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class RouterShuffleTest {
  private static TinyModel distinctExperts() {
    return new TinyModel(List.of(
            TinyModel.randomMoe(MoeConfig.of(5, 6, 4, 1, 0.01), DataType.DOUBLE, 1),
            TinyModel.randomMoe(MoeConfig.of(5, 6, 4, 2, 0.01), DataType.DOUBLE, 2)))
        .withRandomData(3, 2, 10, 5, DataType.DOUBLE);
  }

  @Test
  void interchangeableExpertsDoNotNoticeTheShuffle() {
    // Upcycled copies with top-1: the gate is the token's top probability wherever it lands.
    List<MoeLayer> layers = new ArrayList<>();
    for (int l = 0; l < 2; l++) {
      SplittableRandom rng = new SplittableRandom(10 + l);
      SwiGluFfn dense = new SwiGluFfn("mlp", 5, 6, DataType.DOUBLE, rng);
      layers.add(Upcycling.fromDense(dense, MoeConfig.of(5, 6, 4, 1, 0.01),
          new LinearRouter("mlp.gate", 5, 4, DataType.DOUBLE, rng), "model.layers." + l + ".mlp"));
    }
    TinyModel m = new TinyModel(layers).withRandomData(4, 2, 10, 5, DataType.DOUBLE);
    List<Boolean> shuffling = new ArrayList<>();
    RouterShuffle r = RouterShuffle.run(m.layers, () -> {
      shuffling.add(m.layers.get(0).logitShuffle() != null && m.layers.get(1).logitShuffle() != null);
      return m.outputSum();
    }, 1, 2, 3);
    assertEquals(List.of(false, true, true, true), shuffling);
    assertEquals(0.0, r.delta(), 1e-12);
    assertEquals(0.0, r.shuffledStd(), 1e-12);
    assertTrue(Math.abs(r.baseline()) > 1e-3, "a non-trivial score");
  }

  @Test
  void distinctExpertsMoveTheScoreAndSeedsReproduceIt() {
    TinyModel m = distinctExperts();
    double plain = m.outputSum();
    RouterShuffle r = RouterShuffle.run(m.layers, m::outputSum, 5, 6);
    assertEquals(plain, r.baseline(), 1e-12);
    assertArrayEquals(new long[] {5, 6}, r.seeds());
    assertTrue(Math.abs(r.delta()) > 1e-6, "delta " + r.delta());
    assertTrue(r.shuffled()[0] != r.shuffled()[1], "different seeds, different permutations");
    double mean = (r.shuffled()[0] + r.shuffled()[1]) / 2;
    assertEquals(mean, r.shuffledMean(), 1e-15);
    assertEquals(Math.abs(r.shuffled()[0] - r.shuffled()[1]) / Math.sqrt(2), r.shuffledStd(), 1e-12);
    assertEquals(mean - plain, r.delta(), 1e-15);
    RouterShuffle again = RouterShuffle.run(m.layers, m::outputSum, 6);
    assertEquals(r.shuffled()[1], again.shuffled()[0], 0.0);
    // The documented seeding: layer i shuffles with the i-th split of SplittableRandom(seed).
    SplittableRandom root = new SplittableRandom(5);
    for (MoeLayer l : m.layers) {
      l.setLogitShuffle(root.split());
    }
    assertEquals(r.shuffled()[0], m.outputSum(), 0.0);
  }

  @Test
  void shufflingSpreadsTheTopLogitUniformly() {
    // Unshuffled every token goes to expert 0 (only it reads the constant feature 0).
    MoeLayer moe = TinyModel.randomMoe(MoeConfig.of(3, 4, 4, 1, 0.0), DataType.DOUBLE, 7);
    INDArray w = ((LinearRouter) moe.router()).weight().value();
    w.assign(0);
    w.putScalar(0, 0, 5.0);
    TinyModel m = new TinyModel(List.of(moe)).withRandomData(8, 2, 2000, 3, DataType.DOUBLE);
    for (INDArray x : m.inputs) {
      x.getColumn(0).assign(1.0);
    }
    RouterShuffle r = RouterShuffle.run(m.layers, () -> {
      long toZero = 0;
      long total = 0;
      for (int b = 0; b < m.inputs.size(); b++) {
        moe.forward(m.inputs.get(b), m.tags.get(b));
        toZero += moe.lastRouting().tokensPerExpert()[0];
        total += m.tags.get(b).length;
      }
      return toZero / (double) total;
    }, 11);
    assertEquals(1.0, r.baseline(), 0.0);
    assertEquals(0.25, r.shuffledMean(), 0.03);
  }

  @Test
  void settingsAreRestoredAlsoWhenTheMetricThrows() {
    TinyModel m = distinctExperts();
    SplittableRandom user = new SplittableRandom(1);
    m.layers.get(1).setLogitShuffle(user);
    m.layers.get(0).forceExpert(3);
    RouterShuffle.run(m.layers, m::outputSum, 1);
    assertEquals(3, m.layers.get(0).forcedExpert());
    assertNull(m.layers.get(0).logitShuffle());
    assertSame(user, m.layers.get(1).logitShuffle());
    int[] calls = {0};
    assertThrows(ArithmeticException.class, () -> RouterShuffle.run(m.layers, () -> {
      if (++calls[0] == 2) {
        throw new ArithmeticException("metric failed under shuffling");
      }
      return 0.0;
    }, 1, 2));
    assertEquals(3, m.layers.get(0).forcedExpert());
    assertNull(m.layers.get(0).logitShuffle());
    assertSame(user, m.layers.get(1).logitShuffle());
    assertThrows(IllegalArgumentException.class, () -> RouterShuffle.run(m.layers, m::outputSum));
  }

  @Test
  void baselineRunsWithPlainRouting() {
    TinyModel m = distinctExperts();
    double plain = m.outputSum();
    m.layers.get(0).forceExpert(1);
    SplittableRandom user = new SplittableRandom(3);
    m.layers.get(1).setLogitShuffle(user);
    assertEquals(plain, RouterShuffle.run(m.layers, m::outputSum, 1).baseline(), 1e-12);
    assertEquals(1, m.layers.get(0).forcedExpert());
    assertSame(user, m.layers.get(1).logitShuffle());
  }
}
