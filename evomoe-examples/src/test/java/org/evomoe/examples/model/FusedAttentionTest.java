package org.evomoe.examples.model;

import static org.evomoe.examples.model.Grad.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.tensor.Init;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.Threads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The fused training attention ({@link FusedAttention}) against the batched-product path of
 * {@link MultiHeadAttention}: outputs, input gradient and every parameter gradient, in double and
 * float; and bit-identical results on one and two threads. The loop oracle and the
 * finite-difference gradient check of {@link MultiHeadAttentionTest} run through the fused path
 * (their sequences are short).
 */
class FusedAttentionTest {
  /** Output, input gradient and parameter gradients of one forward and backward. */
  private record Run(INDArray y, INDArray dx, List<INDArray> grads) {}

  private static Run run(MultiHeadAttention a, INDArray x, INDArray dy, int batch, int seq,
      int[] pos, int maxFused) {
    a.fusedMaxSeqLen(maxFused);
    for (Parameter p : a.parameters()) {
      p.zeroGrad();
    }
    INDArray y = a.forward(x, batch, seq, pos).dup();
    INDArray dx = a.backward(dy).dup();
    List<INDArray> g = new ArrayList<>();
    for (Parameter p : a.parameters()) {
      g.add(p.grad().dup());
    }
    return new Run(y, dx, g);
  }

  private static INDArray uniform(long seed, DataType t, long... shape) {
    return Init.normal(new SplittableRandom(seed), 0.7, t, shape);
  }

  @ParameterizedTest(name = "{0} heads={1} kv={2} causal={3} bias={4} theta={5} B={6} S={7}")
  @CsvSource({
    "DOUBLE,4,2,true,false,10000,3,7",
    "DOUBLE,1,1,true,false,10000,2,5",
    "DOUBLE,2,2,false,true,0,2,9",
    "DOUBLE,4,1,true,true,500,1,13",
    "DOUBLE,3,3,false,false,10000,1,1",
    "DOUBLE,4,4,true,false,0,2,34",
    "FLOAT,4,2,true,false,10000,32,34",
    "FLOAT,2,2,false,false,0,4,17",
    "FLOAT,4,1,true,true,10000,3,11"
  })
  void matchesTheBatchedProducts(DataType type, int heads, int kvHeads, boolean causal,
      boolean bias, double theta, int batch, int seq) {
    int dh = 8;
    AttentionConfig c = new AttentionConfig(heads * dh, heads, kvHeads, causal, bias, theta);
    MultiHeadAttention a = new MultiHeadAttention("l", "o_proj", c, type, new SplittableRandom(2));
    if (bias) {
      for (Parameter p : a.parameters()) {
        if (p.name().endsWith(".bias")) {
          p.value().assign(uniform(p.name().hashCode(), type, p.value().shape()));
        }
      }
    }
    INDArray x = uniform(3, type, (long) batch * seq, c.dModel());
    INDArray dy = uniform(4, type, (long) batch * seq, c.dModel());
    int[] pos = new int[batch * seq];
    for (int i = 0; i < pos.length; i++) {
      pos[i] = (i * 7) % 23; // arbitrary RoPE positions
    }
    Run fused = run(a, x, dy, batch, seq, pos, Integer.MAX_VALUE);
    Run batched = run(a, x, dy, batch, seq, pos, 0);
    double tol = type == DataType.DOUBLE ? 1e-12 : 2e-5;
    assertTrue(maxAbsDiff(fused.y(), batched.y()) < tol, "output " + maxAbsDiff(fused.y(), batched.y()));
    assertTrue(maxAbsDiff(fused.dx(), batched.dx()) < tol,
        "input gradient " + maxAbsDiff(fused.dx(), batched.dx()));
    for (int i = 0; i < fused.grads().size(); i++) {
      double d = maxAbsDiff(fused.grads().get(i), batched.grads().get(i));
      assertTrue(d < tol * 10, a.parameters().get(i).name() + " gradient " + d);
    }
  }

  /**
   * The kernel alone (the projections around it are BLAS products, whose float sums may split
   * differently over two threads): forward and backward on one and two threads, same bits.
   */
  @ParameterizedTest(name = "{0} causal={1}")
  @CsvSource({"DOUBLE,true", "FLOAT,true", "FLOAT,false"})
  void oneAndTwoThreadsGiveTheSameBits(DataType type, boolean causal) {
    int batch = 32;
    int seq = 34;
    RotaryEmbedding rope = new RotaryEmbedding(16, 10000);
    rope.ensurePositions(seq);
    INDArray qkv = uniform(6, type, (long) batch * seq, 8 * 16);
    INDArray dMerged = uniform(7, type, (long) batch * seq, 4 * 16);
    int[] pos = MultiHeadAttention.defaultPositions(batch, seq, 0);
    double[][] one;
    double[][] two;
    try (Threads.Scope s = Threads.use(1)) {
      one = kernel(rope, causal, qkv, dMerged, batch, seq, pos);
    }
    try (Threads.Scope s = Threads.use(2)) {
      two = kernel(rope, causal, qkv, dMerged, batch, seq, pos);
    }
    assertArrayEquals(one[0], two[0]);
    assertArrayEquals(one[1], two[1]);
  }

  private static double[][] kernel(RotaryEmbedding rope, boolean causal, INDArray qkv,
      INDArray dMerged, int batch, int seq, int[] pos) {
    FusedAttention f = new FusedAttention(4, 2, 16, causal, rope);
    double[] y = f.forward(qkv, batch, seq, pos).data().asDouble();
    double[] d = f.backward(dMerged).data().asDouble();
    return new double[][] {y, d};
  }

  @Test
  void theSequenceBoundPicksThePath() {
    assertEquals(64, MultiHeadAttention.FUSED_MAX_SEQ_LEN);
    MultiHeadAttention a = new MultiHeadAttention("l", "o_proj", AttentionConfig.decoder(8, 2, 1,
        10000), DataType.DOUBLE, new SplittableRandom(1));
    FusedAttention f = new FusedAttention(2, 1, 4, true, null);
    assertThrows(IllegalStateException.class, () -> f.backward(uniform(1, DataType.DOUBLE, 4, 8)));
    // After a cached forward neither path has a backward.
    a.forwardCached(uniform(2, DataType.DOUBLE, 3, 8), 1, 3, new KvCache(1), 0);
    assertThrows(IllegalStateException.class, () -> a.backward(uniform(3, DataType.DOUBLE, 3, 8)));
  }
}
