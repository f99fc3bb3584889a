package org.evomoe.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.evomoe.TestArrays;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.LinearRouter;
import org.evomoe.router.Modality;
import org.evomoe.router.RouterKind;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A batch split into shards whose MoE layers get the batch's routing totals: the shards' auxiliary
 * losses and gradients add up to those of one forward over the whole batch (double precision),
 * including a shard that gives some expert no token and padded rows.
 */
class MoeBatchTotalsTest {
  static final int D = 5;
  static final int E = 4;

  static MoeLayer layer(RoutingConfig routing) {
    SplittableRandom rng = new SplittableRandom(11);
    List<SwiGluFfn> ex = new ArrayList<>();
    for (int e = 0; e < E; e++) {
      ex.add(new SwiGluFfn("moe.experts." + e, D, 7, DataType.DOUBLE, rng));
    }
    return new MoeLayer(new MoeConfig(D, 7, E, routing),
        new LinearRouter("moe.gate", D, E, DataType.DOUBLE, rng), ex);
  }

  /** Loss sum(y * w) + weighted aux; returns the loss, gradients accumulate. */
  static double lossAndBackward(MoeLayer m, INDArray x, TokenMask mask, INDArray w) {
    Modality[] tags = Modality.all((int) x.rows(), Modality.TEXT);
    INDArray y = m.forward(x, tags, mask);
    double loss = y.mul(w).sumNumber().doubleValue() + m.weightedLoss();
    m.backward(w.dup());
    return loss;
  }

  static Map<String, INDArray> grads(MoeLayer m) {
    Map<String, INDArray> g = new HashMap<>();
    for (Parameter p : m.parameters()) {
      g.put(p.name(), p.hasGrad() ? p.grad().dup() : null);
      p.zeroGrad();
    }
    return g;
  }

  static INDArray rows(INDArray a, int from, int to) {
    return a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup();
  }

  @Test
  void shardsWithTheBatchTotalsAddUpToTheWholeBatch() {
    RoutingConfig routing = RoutingConfig.of(RouterKind.LINEAR, 2, 0.05).withZLossWeight(0.01);
    MoeLayer m = layer(routing);
    int t = 12;
    INDArray x = TestArrays.normal(3, t, D);
    INDArray w = TestArrays.normal(4, t, D);
    boolean[] real = new boolean[t];
    for (int i = 0; i < t; i++) {
      real[i] = i % 5 != 4; // rows 4 and 9 are padding
    }
    double whole = lossAndBackward(m, x, TokenMask.of(real), w);
    double wholeAux = m.auxLoss();
    double wholeZ = m.zLoss();
    Map<String, INDArray> gWhole = grads(m);

    // Shard 0: row 0 only (top-2 of 4 experts: two experts get no token); shard 1: the rest.
    int[] bounds = {0, 1, t};
    RoutingTotals sum = null;
    for (int s = 0; s < 2; s++) {
      boolean[] r = java.util.Arrays.copyOfRange(real, bounds[s], bounds[s + 1]);
      m.forward(rows(x, bounds[s], bounds[s + 1]), Modality.all(r.length, Modality.TEXT),
          TokenMask.of(r));
      RoutingTotals local = m.lastTotals();
      sum = sum == null ? local : sum.plus(local);
      if (s == 0) {
        assertTrue(java.util.Arrays.stream(local.assignments()).anyMatch(c -> c == 0),
            "shard 0 leaves an expert without tokens");
      }
    }
    assertEquals(10, sum.tokens());
    double loss = 0;
    double aux = 0;
    double z = 0;
    m.setBatchTotals(sum);
    for (int s = 0; s < 2; s++) {
      boolean[] r = java.util.Arrays.copyOfRange(real, bounds[s], bounds[s + 1]);
      loss += lossAndBackward(m, rows(x, bounds[s], bounds[s + 1]), TokenMask.of(r),
          rows(w, bounds[s], bounds[s + 1]));
      aux += m.auxLoss();
      z += m.zLoss();
    }
    m.setBatchTotals(null);
    Map<String, INDArray> gShards = grads(m);
    assertEquals(whole, loss, 1e-12);
    assertEquals(wholeAux, aux, 1e-12);
    assertEquals(wholeZ, z, 1e-12);
    assertTrue(wholeAux > 0 && wholeZ > 0);
    for (Map.Entry<String, INDArray> e : gWhole.entrySet()) {
      double diff = TestArrays.maxAbsDiff(e.getValue(), gShards.get(e.getKey()));
      assertTrue(diff < 1e-12, e.getKey() + " differs by " + diff);
    }
    // Without the totals the shards' losses do not add up (the test can fail).
    double local = 0;
    for (int s = 0; s < 2; s++) {
      boolean[] r = java.util.Arrays.copyOfRange(real, bounds[s], bounds[s + 1]);
      local += lossAndBackward(m, rows(x, bounds[s], bounds[s + 1]), TokenMask.of(r),
          rows(w, bounds[s], bounds[s + 1]));
    }
    assertTrue(Math.abs(local - whole) > 1e-6);
  }

  @Test
  void totalsThatCannotHoldTheForwardAreRefused() {
    MoeLayer m = layer(RoutingConfig.of(RouterKind.LINEAR, 1, 0.01));
    INDArray x = TestArrays.normal(5, 6, D);
    Modality[] tags = Modality.all(6, Modality.TEXT);
    assertThrows(IllegalArgumentException.class, () -> m.setBatchTotals(RoutingTotals.empty(3)));
    m.setBatchTotals(new RoutingTotals(2, new long[] {2, 0, 0, 0}));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> m.forward(x, tags));
    assertTrue(e.getMessage().contains("fewer than the 6 real tokens"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new RoutingTotals(-1, new long[] {1}));
    assertThrows(IllegalArgumentException.class,
        () -> RoutingTotals.empty(2).plus(RoutingTotals.empty(3)));
  }
}
