package org.evomoe.examples.model;

import static org.evomoe.examples.model.Grad.D;
import static org.evomoe.examples.model.Grad.maxAbsDiff;
import static org.evomoe.examples.model.Grad.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.evomoe.grad.GradientCheck;
import org.evomoe.grad.GradientCheck.Target;
import org.evomoe.nn.Linear;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class MultiHeadAttentionTest {
  static MultiHeadAttention attention(AttentionConfig c, long seed) {
    MultiHeadAttention a = new MultiHeadAttention("model.layers.0.self_attn", "o_proj", c, D,
        new SplittableRandom(seed));
    if (c.bias()) {
      SplittableRandom rng = new SplittableRandom(seed + 1);
      for (Linear l : new Linear[] {a.qProj(), a.kProj(), a.vProj(), a.oProj()}) {
        l.bias().value().assign(normal(rng.nextLong(), l.out()));
      }
    }
    return a;
  }

  /** y = x W^T + b for one row, in plain Java. */
  private static double[] project(Linear l, double[] x, int from, int count) {
    double[] y = new double[count];
    for (int o = 0; o < count; o++) {
      double s = l.bias() == null ? 0 : l.bias().value().getDouble(from + o);
      for (int i = 0; i < x.length; i++) {
        s += l.weight().value().getDouble(from + o, i) * x[i];
      }
      y[o] = s;
    }
    return y;
  }

  /** A per-(sequence, head, query) loop oracle of the whole layer. */
  static INDArray oracle(MultiHeadAttention a, INDArray x, int batch, int seq, int[] pos) {
    AttentionConfig c = a.config();
    int dh = c.headDim();
    int heads = c.numHeads();
    int group = c.groupSize();
    double[][] rows = new double[batch * seq][];
    for (int r = 0; r < rows.length; r++) {
      rows[r] = x.getRow(r).toDoubleVector();
    }
    INDArray y = Nd4j.zeros(D, batch * seq, c.dModel());
    for (int b = 0; b < batch; b++) {
      double[][] concat = new double[seq][heads * dh];
      for (int h = 0; h < heads; h++) {
        int kv = h / group;
        double[][] ks = new double[seq][];
        double[][] vs = new double[seq][];
        for (int t = 0; t < seq; t++) {
          ks[t] = project(a.kProj(), rows[b * seq + t], kv * dh, dh);
          vs[t] = project(a.vProj(), rows[b * seq + t], kv * dh, dh);
          if (a.rope() != null) {
            a.rope().ensurePositions(pos[b * seq + t]);
            a.rope().rotate(ks[t], 0, pos[b * seq + t], false);
          }
        }
        for (int s = 0; s < seq; s++) {
          double[] q = project(a.qProj(), rows[b * seq + s], h * dh, dh);
          if (a.rope() != null) {
            a.rope().rotate(q, 0, pos[b * seq + s], false);
          }
          int limit = c.causal() ? s + 1 : seq;
          double[] p = new double[limit];
          double max = Double.NEGATIVE_INFINITY;
          for (int t = 0; t < limit; t++) {
            double dot = 0;
            for (int i = 0; i < dh; i++) {
              dot += q[i] * ks[t][i];
            }
            p[t] = dot / Math.sqrt(dh);
            max = Math.max(max, p[t]);
          }
          double sum = 0;
          for (int t = 0; t < limit; t++) {
            p[t] = Math.exp(p[t] - max);
            sum += p[t];
          }
          for (int t = 0; t < limit; t++) {
            for (int i = 0; i < dh; i++) {
              concat[s][h * dh + i] += p[t] / sum * vs[t][i];
            }
          }
        }
      }
      for (int s = 0; s < seq; s++) {
        double[] out = project(a.oProj(), concat[s], 0, c.dModel());
        for (int i = 0; i < out.length; i++) {
          y.putScalar(new long[] {b * seq + s, i}, out[i]);
        }
      }
    }
    return y;
  }

  @ParameterizedTest(name = "heads={0} kvHeads={1} causal={2} bias={3} rope={4}")
  @CsvSource({
    "2,2,true,false,10000", // LLaMA multi-head
    "4,2,true,false,10000", // grouped-query
    "4,1,true,false,500", // multi-query
    "2,2,false,true,0", // CLIP-style encoder
    "4,2,false,false,10000"
  })
  void matchesTheLoopOracle(int heads, int kvHeads, boolean causal, boolean bias, double theta) {
    AttentionConfig c = new AttentionConfig(8, heads, kvHeads, causal, bias, theta);
    MultiHeadAttention a = attention(c, 3);
    INDArray x = normal(4, 10, 8);
    int[] pos = MultiHeadAttention.defaultPositions(2, 5, 0);
    INDArray y = a.forward(x, 2, 5);
    INDArray ref = oracle(a, x, 2, 5, pos);
    assertTrue(maxAbsDiff(y, ref) < 1e-12, "max diff " + maxAbsDiff(y, ref));
  }

  @ParameterizedTest(name = "heads={0} kvHeads={1} causal={2} bias={3}")
  @CsvSource({"2,2,true,false", "4,2,true,false", "4,1,true,true", "2,2,false,true"})
  void gradientCheck(int heads, int kvHeads, boolean causal, boolean bias) {
    AttentionConfig c = new AttentionConfig(8, heads, kvHeads, causal, bias, causal ? 10000 : 0);
    MultiHeadAttention a = attention(c, 5);
    INDArray x = normal(6, 10, 8);
    int[] pos = {0, 1, 2, 3, 4, 3, 5, 9, 11, 20}; // arbitrary RoPE positions
    INDArray y = a.forward(x, 2, 5, pos);
    INDArray r = normal(7, y.shape());
    INDArray dx = a.backward(r);
    Grad.assertAllParametersReached(a);
    Grad.check(() -> GradientCheck.dot(a.forward(x, 2, 5, pos), r),
        Grad.targets(a, new Target("x", x, dx)), 40);
  }

  @Test
  void aFutureRowChangesNoEarlierOutputAndNoOtherSequence() {
    MultiHeadAttention a = attention(AttentionConfig.decoder(8, 4, 2, 10000), 8);
    INDArray x = normal(9, 10, 8);
    INDArray y = a.forward(x, 2, 5);
    INDArray x2 = x.dup();
    x2.getRow(3).addi(normal(10, 8)); // sequence 0, position 3
    INDArray y2 = a.forward(x2, 2, 5);
    for (int r = 0; r < 10; r++) {
      double diff = maxAbsDiff(y.getRow(r), y2.getRow(r));
      if (r < 3 || r >= 5) {
        assertEquals(0.0, diff, "row " + r + " changed");
      } else {
        assertTrue(diff > 1e-6, "row " + r + " should see the change");
      }
    }
  }

  @Test
  void bidirectionalAttentionSeesTheFuture() {
    MultiHeadAttention a = attention(AttentionConfig.encoder(8, 2), 8);
    INDArray x = normal(9, 5, 8);
    INDArray y = a.forward(x, 1, 5);
    INDArray x2 = x.dup();
    x2.getRow(4).addi(1.0);
    assertTrue(maxAbsDiff(y.getRow(0), a.forward(x2, 1, 5).getRow(0)) > 1e-6);
  }

  @Test
  void shiftingEveryPositionLeavesTheOutputUnchanged() {
    // RoPE scores depend only on position differences.
    MultiHeadAttention a = attention(AttentionConfig.decoder(8, 2, 1, 10000), 11);
    INDArray x = normal(12, 5, 8);
    INDArray y0 = a.forward(x, 1, 5, new int[] {0, 1, 2, 3, 4});
    INDArray y7 = a.forward(x, 1, 5, new int[] {7, 8, 9, 10, 11});
    assertTrue(maxAbsDiff(y0, y7) < 1e-12);
    INDArray yGap = a.forward(x, 1, 5, new int[] {0, 1, 2, 3, 9});
    assertTrue(maxAbsDiff(y0.getRow(4), yGap.getRow(4)) > 1e-6);
  }

  @Test
  void cachedChunksEqualTheFullForward() {
    MultiHeadAttention a = attention(AttentionConfig.decoder(8, 4, 2, 10000), 13);
    INDArray x = normal(14, 12, 8); // 2 sequences of 6
    INDArray full = a.forward(x, 2, 6);
    KvCache cache = new KvCache(1);
    int[][] chunks = {{0, 3}, {3, 4}, {4, 6}};
    for (int[] ch : chunks) {
      int len = ch[1] - ch[0];
      INDArray part = Nd4j.create(D, 2L * len, 8);
      for (int b = 0; b < 2; b++) {
        for (int s = 0; s < len; s++) {
          part.getRow(b * len + s).assign(x.getRow(b * 6 + ch[0] + s));
        }
      }
      INDArray y = a.forwardCached(part, 2, len, cache, 0);
      cache.advance(2, ch[1]);
      for (int b = 0; b < 2; b++) {
        for (int s = 0; s < len; s++) {
          assertTrue(maxAbsDiff(y.getRow(b * len + s), full.getRow(b * 6 + ch[0] + s)) < 1e-12);
        }
      }
    }
    assertEquals(6, cache.keys(0).size(1));
    assertThrows(IllegalStateException.class, () -> a.backward(normal(1, 4, 8)));
  }

  @Test
  void badShapesAndConfigsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new AttentionConfig(8, 3, 3, true, false, 0));
    assertThrows(IllegalArgumentException.class, () -> new AttentionConfig(8, 4, 3, true, false, 0));
    assertThrows(IllegalArgumentException.class, () -> new AttentionConfig(6, 2, 2, true, false, 100));
    assertThrows(IllegalArgumentException.class, () -> new AttentionConfig(8, 2, 2, true, false, -1));
    MultiHeadAttention a = attention(AttentionConfig.decoder(8, 2, 2, 10000), 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> a.forward(normal(1, 9, 8), 2, 5));
    assertTrue(e.getMessage().contains("batch * seqLen"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> a.forward(normal(1, 10, 6), 2, 5));
    assertTrue(e.getMessage().contains("[10, 6]"), e.getMessage());
    a.forward(normal(1, 10, 8), 2, 5);
    e = assertThrows(IllegalArgumentException.class, () -> a.backward(normal(1, 5, 8)));
    assertTrue(e.getMessage().contains("[5, 8]"), e.getMessage());
    assertEquals("model.layers.0.self_attn.o_proj.weight", a.oProj().weight().name());
  }
}
