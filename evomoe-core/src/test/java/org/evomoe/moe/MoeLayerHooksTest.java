package org.evomoe.moe;

import static org.evomoe.TestArrays.maxAbsDiff;
import static org.evomoe.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.grad.GradientCheck;
import org.evomoe.grad.GradientCheck.Target;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.LinearRouter;
import org.evomoe.router.Modality;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.evomoe.router.RouterKind;

/** The diagnostics hooks of MoeLayer: routing record contents, routing listener, logit shuffle. */
class MoeLayerHooksTest {
  private static Modality[] mixedTags(int t) {
    Modality[] tags = new Modality[t];
    for (int i = 0; i < t; i++) {
      tags[i] = i % 3 == 0 ? Modality.TEXT : Modality.IMAGE;
    }
    return tags;
  }

  private static double[] routerLogits(MoeLayer moe, INDArray x, Modality[] tags) {
    return moe.router().forward(x, tags).castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
  }

  @Test
  void recordCarriesTheRouterLogitsAndTheModalityTags() {
    MoeLayer moe = MoeLayerTest.randomMoe(MoeConfig.of(6, 8, 4, 2, 0.01), DataType.FLOAT, 31);
    INDArray x = normal(1, DataType.FLOAT, 13, 6);
    Modality[] tags = mixedTags(13);
    double[] expected = routerLogits(moe, x, tags);
    moe.forward(x, tags);
    tags[0] = Modality.IMAGE; // the record holds the forward's tags, not the caller's array
    RoutingRecord rec = moe.lastRouting();
    assertTrue(rec.routed());
    assertArrayEquals(expected, rec.logits(), 0.0);
    assertEquals(Modality.TEXT, rec.modality(0));
    assertArrayEquals(mixedTags(13), rec.modalities());
    for (int t = 0; t < 13; t++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int e = 0; e < 4; e++) {
        max = Math.max(max, rec.logit(t, e));
      }
      double sum = 0;
      for (int e = 0; e < 4; e++) {
        sum += Math.exp(rec.logit(t, e) - max);
      }
      for (int e = 0; e < 4; e++) {
        assertEquals(Math.exp(rec.logit(t, e) - max) / sum, rec.prob(t, e), 1e-12);
      }
    }
  }

  @Test
  void forcedRecordHasNoLogitsButKeepsTheTags() {
    MoeLayer moe = MoeLayerTest.randomMoe(MoeConfig.of(6, 8, 4, 2, 0.01), DataType.DOUBLE, 3);
    moe.forceExpert(1);
    moe.forward(normal(2, 5, 6), Modality.all(5, Modality.IMAGE));
    RoutingRecord rec = moe.lastRouting();
    assertFalse(rec.routed());
    assertEquals(0, rec.logits().length);
    assertArrayEquals(Modality.all(5, Modality.IMAGE), rec.modalities());
    assertThrows(IllegalStateException.class, () -> rec.logit(0, 0));
  }

  @Test
  void listenerSeesTheSameRecordAsLastRoutingForRoutedAndForcedForwards() {
    MoeLayer moe = MoeLayerTest.randomMoe(MoeConfig.of(6, 8, 4, 2, 0.01), DataType.DOUBLE, 4);
    List<RoutingRecord> seen = new ArrayList<>();
    moe.setRoutingListener(seen::add);
    INDArray x = normal(5, 9, 6);
    Modality[] tags = mixedTags(9);
    moe.forward(x, tags);
    assertEquals(1, seen.size());
    assertSameContent(moe.lastRouting(), seen.get(0));
    moe.forceExpert(3);
    moe.forward(x, tags);
    assertEquals(2, seen.size());
    assertFalse(seen.get(1).routed());
    assertSameContent(moe.lastRouting(), seen.get(1));
    moe.setRoutingListener(null);
    assertNull(moe.routingListener());
    moe.forward(x, tags);
    assertEquals(2, seen.size(), "a removed listener is not called");
  }

  private static void assertSameContent(RoutingRecord a, RoutingRecord b) {
    assertEquals(a.numTokens(), b.numTokens());
    assertEquals(a.numExperts(), b.numExperts());
    assertEquals(a.topK(), b.topK());
    assertEquals(a.routed(), b.routed());
    assertArrayEquals(a.experts(), b.experts());
    assertArrayEquals(a.gates(), b.gates(), 0.0);
    assertArrayEquals(a.probs(), b.probs(), 0.0);
    assertArrayEquals(a.logits(), b.logits(), 0.0);
    assertArrayEquals(a.tokensPerExpert(), b.tokensPerExpert());
    assertArrayEquals(a.modalities(), b.modalities());
  }

  @Test
  void shuffleKeepsEachTokensLogitsButMovesThemToOtherExperts() {
    MoeLayer moe = MoeLayerTest.randomMoe(MoeConfig.of(6, 8, 4, 1, 0.01), DataType.DOUBLE, 5);
    int t = 40;
    INDArray x = normal(6, t, 6);
    Modality[] tags = mixedTags(t);
    double[] original = routerLogits(moe, x, tags);
    moe.forward(x, tags);
    int[] unshuffledChoice = moe.lastRouting().experts();
    SplittableRandom rng = new SplittableRandom(77);
    moe.setLogitShuffle(rng);
    assertSame(rng, moe.logitShuffle());
    moe.forward(x, tags);
    RoutingRecord rec = moe.lastRouting();
    int moved = 0;
    int permutedRows = 0;
    for (int tok = 0; tok < t; tok++) {
      double[] a = Arrays.copyOfRange(original, tok * 4, tok * 4 + 4);
      double[] b = Arrays.copyOfRange(rec.logits(), tok * 4, tok * 4 + 4);
      if (!Arrays.equals(a, b)) {
        permutedRows++;
      }
      Arrays.sort(a);
      Arrays.sort(b);
      assertArrayEquals(a, b, 0.0, "token " + tok + " must keep its multiset of logits");
      if (rec.expert(tok, 0) != unshuffledChoice[tok]) {
        moved++;
      }
      // The chosen expert still carries the token's largest logit, and the gate is unchanged.
      assertEquals(a[3], rec.logit(tok, rec.expert(tok, 0)), 0.0);
    }
    assertTrue(permutedRows > t / 2, "only " + permutedRows + " rows permuted");
    assertTrue(moved > t / 2, "only " + moved + " of " + t + " tokens changed expert");
    moe.setLogitShuffle(null);
    moe.forward(x, tags);
    assertArrayEquals(unshuffledChoice, moe.lastRouting().experts(), "shuffle off restores routing");
  }

  @Test
  void shuffleIsDeterministicForASeedAndSendsTheTopLogitToAUniformExpert() {
    // Feature 0 is constant 1 and only expert 0 reads it: unshuffled, every token picks expert 0.
    int e = 4;
    int t = 4000;
    MoeLayer moe = MoeLayerTest.randomMoe(MoeConfig.of(3, 4, e, 1, 0.0), DataType.DOUBLE, 6);
    INDArray w = ((LinearRouter) moe.router()).weight().value();
    w.assign(0);
    w.putScalar(0, 0, 5.0);
    INDArray x = normal(7, t, 3);
    x.getColumn(0).assign(1.0);
    Modality[] tags = Modality.all(t, Modality.TEXT);
    moe.forward(x, tags);
    assertEquals(t, moe.lastRouting().tokensPerExpert()[0]);
    moe.setLogitShuffle(new SplittableRandom(123));
    moe.forward(x, tags);
    int[] counts = moe.lastRouting().tokensPerExpert();
    for (int i = 0; i < e; i++) {
      double share = counts[i] / (double) t;
      assertEquals(0.25, share, 0.03, "expert " + i + " share " + share);
    }
    moe.setLogitShuffle(new SplittableRandom(123));
    moe.forward(x, tags);
    assertArrayEquals(counts, moe.lastRouting().tokensPerExpert(), "same seed, same permutations");
  }

  @Test
  void shuffleLeavesTopOneOutputOfIdenticalExpertsUnchanged() {
    // Interchangeable experts: the top-1 gate is the token's largest probability wherever it lands.
    SplittableRandom rng = new SplittableRandom(8);
    SwiGluFfn dense = new SwiGluFfn("mlp", 6, 8, DataType.DOUBLE, rng);
    LinearRouter router = new LinearRouter("mlp.gate", 6, 4, DataType.DOUBLE, rng);
    MoeLayer moe = Upcycling.fromDense(dense, MoeConfig.of(6, 8, 4, 1, 0.01), router, "mlp");
    INDArray x = normal(9, 17, 6);
    Modality[] tags = mixedTags(17);
    INDArray y = moe.forward(x, tags);
    int[] before = moe.lastRouting().experts();
    moe.setLogitShuffle(new SplittableRandom(1));
    INDArray ys = moe.forward(x, tags);
    assertFalse(Arrays.equals(before, moe.lastRouting().experts()));
    assertTrue(maxAbsDiff(y, ys) < 1e-12, "diff " + maxAbsDiff(y, ys));
  }

  @ParameterizedTest
  @CsvSource({"1,false", "2,false", "2,true"})
  void backwardIsExactForTheShuffledForward(int k, boolean renorm) {
    MoeConfig c = new MoeConfig(6, 8, 4, new RoutingConfig(k, renorm, 0.3, 0.001, RouterKind.LINEAR));
    MoeLayer moe = MoeLayerTest.randomMoe(c, DataType.DOUBLE, 40 + k);
    INDArray x = normal(10, 9, 6);
    Modality[] tags = mixedTags(9);
    INDArray r = normal(11, 9, 6);
    moe.setLogitShuffle(new SplittableRandom(5));
    moe.forward(x, tags);
    INDArray dx = moe.backward(r);
    List<Target> targets = new ArrayList<>();
    targets.add(new Target("input", x, dx));
    for (Parameter p : moe.parameters()) {
      if (p.hasGrad()) {
        targets.add(Target.of(p));
      }
    }
    GradientCheck.check(
            () -> {
              moe.setLogitShuffle(new SplittableRandom(5)); // the same permutations every time
              return GradientCheck.dot(moe.forward(x, tags), r) + moe.weightedLoss();
            },
            targets,
            GradientCheck.Options.defaults())
        .assertPassed();
  }

  @Test
  void shuffleDoesNotTouchForcedForwards() {
    MoeLayer moe = MoeLayerTest.randomMoe(MoeConfig.of(6, 8, 4, 1, 0.01), DataType.DOUBLE, 12);
    INDArray x = normal(13, 8, 6);
    moe.forceExpert(2);
    moe.setLogitShuffle(new SplittableRandom(3));
    INDArray y = moe.forward(x, Modality.all(8, Modality.TEXT));
    assertTrue(maxAbsDiff(y, moe.experts().get(2).forward(x)) < 1e-12);
    assertArrayEquals(new int[] {0, 0, 8, 0}, moe.lastRouting().tokensPerExpert());
  }
}
