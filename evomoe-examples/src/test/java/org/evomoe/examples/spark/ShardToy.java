package org.evomoe.examples.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.moe.TokenMask;
import org.evomoe.nn.Linear;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.LinearRouter;
import org.evomoe.router.Modality;
import org.evomoe.router.RouterKind;
import org.evomoe.tensor.Parameter;
import org.evomoe.tuning.BatchTotals;
import org.evomoe.tuning.MicroBatchStep;
import org.evomoe.tuning.ShardedStep;
import org.evomoe.tuning.TunableModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A core {@link TunableModel} (double precision unless asked) for the data-parallel tests: projector and input
 * layer on every row, two residual MoE layers (linear routers, top-k, load-balancing and z-loss)
 * and a linear head; loss: squared error over the counted rows (a masked mean, padding and the
 * first row of each sample excluded) plus the MoE layers' weighted losses.
 *
 * <p>Not core's {@code ToyModel} on purpose: sharding needs what that one lacks (two MoE layers with
 * independent experts and configurable top-k, padding masks, a loss normalised by the global
 * batch's counted rows, batches any shard can regenerate from (step, micro-batch, sample)).
 */
final class ShardToy implements TunableModel {
  static final int D = 6;
  static final int H = 8;
  static final int E = 4;
  static final int L = 5; // rows per sample, the real ones first

  final Linear projector;
  final Linear input;
  final MoeLayer moe0;
  final MoeLayer moe1;
  final Linear head;
  final DataType type;

  ShardToy(RoutingConfig routing, long seed, DataType type) {
    SplittableRandom rng = new SplittableRandom(seed);
    this.type = type;
    projector = new Linear("multi_modal_projector.linear_1", D, D, true, type, rng);
    input = new Linear("model.input", D, D, true, type, rng);
    moe0 = moe(0, routing, rng, type);
    moe1 = moe(1, routing, rng, type);
    head = new Linear("lm_head", D, D, true, type, rng);
  }

  private static MoeLayer moe(int layer, RoutingConfig routing, SplittableRandom rng,
      DataType type) {
    String prefix = "model.layers." + layer + ".mlp";
    List<SwiGluFfn> ex = new ArrayList<>();
    for (int e = 0; e < E; e++) {
      ex.add(new SwiGluFfn(prefix + ".experts." + e, D, H, type, rng));
    }
    return new MoeLayer(new MoeConfig(D, H, E, routing),
        new LinearRouter(prefix + ".gate", D, E, type, rng), ex);
  }

  /** Samples [from, to) of the global micro-batch of (step, micro-batch). */
  record Batch(INDArray x, INDArray target, boolean[] real, double[] counted, Modality[] tags) {
    long countedRows() {
      long n = 0;
      for (double c : counted) {
        n += (long) c;
      }
      return n;
    }
  }

  static Batch batch(long dataSeed, int step, int micro, int from, int to) {
    int n = to - from;
    double[] x = new double[n * L * D];
    double[] y = new double[n * L * D];
    boolean[] real = new boolean[n * L];
    double[] counted = new double[n * L];
    Modality[] tags = new Modality[n * L];
    for (int i = 0; i < n; i++) {
      int sample = from + i;
      SplittableRandom rng =
          new SplittableRandom(dataSeed * 1_000_003L + step * 10_007L + micro * 101L + sample);
      int len = sample == 0 ? 2 : 1 + rng.nextInt(L);
      for (int r = 0; r < L; r++) {
        int row = i * L + r;
        real[row] = r < len;
        counted[row] = r >= 1 && r < len ? 1 : 0;
        tags[row] = r == 0 && sample % 2 == 0 ? Modality.IMAGE : Modality.TEXT;
        for (int j = 0; j < D; j++) {
          x[row * D + j] = rng.nextGaussian();
          y[row * D + j] = rng.nextGaussian();
        }
      }
    }
    return new Batch(Nd4j.create(x, new long[] {n * L, D}, 'c'),
        Nd4j.create(y, new long[] {n * L, D}, 'c'), real, counted, tags);
  }

  INDArray forward(Batch b) {
    TokenMask mask = TokenMask.of(b.real());
    INDArray h = input.forward(projector.forward(b.x().castTo(type)));
    INDArray z1 = h.add(moe0.forward(h, b.tags(), mask));
    INDArray z2 = z1.add(moe1.forward(z1, b.tags(), mask));
    return head.forward(z2);
  }

  /**
   * Forward, loss normalised by {@code countedRows} (the batch's own, or the global batch's for
   * a shard) and backward; returns the loss.
   */
  double step(Batch b, long countedRows) {
    INDArray pred = forward(b);
    INDArray m = Nd4j.create(b.counted(), new long[] {b.counted().length, 1}, 'c').castTo(type);
    INDArray diff = pred.sub(b.target().castTo(type)).muliColumnVector(m);
    double norm = (double) D * countedRows;
    double loss = diff.mul(diff).sumNumber().doubleValue() / norm + moe0.weightedLoss()
        + moe1.weightedLoss();
    INDArray dz2 = head.backward(diff.muli(2.0 / norm));
    INDArray dz1 = dz2.add(moe1.backward(dz2));
    INDArray dh = dz1.add(moe0.backward(dz1));
    projector.backward(input.backward(dh));
    return loss;
  }

  /** The one-process step: the whole global micro-batch of {@code batchSize} samples. */
  MicroBatchStep oneProcess(long dataSeed, int batchSize) {
    return (step, micro) -> {
      Batch b = batch(dataSeed, step, micro, 0, batchSize);
      return step(b, b.countedRows());
    };
  }

  @Override
  public List<MoeLayer> moeLayers() {
    return List.of(moe0, moe1);
  }

  @Override
  public List<Parameter> projectorParameters() {
    return projector.parameters();
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>(projector.parameters());
    ps.addAll(input.parameters());
    ps.addAll(moe0.parameters());
    ps.addAll(moe1.parameters());
    ps.addAll(head.parameters());
    return ps;
  }

  /**
   * The toy on Spark: the global micro-batch of {@code batchSize} samples, shard s taking samples
   * [bounds[s], bounds[s+1]) ({@code bounds} null: an even split), and an optional injected
   * failure.
   */
  record Workload(int topK, double alpha, double zLoss, long modelSeed, long dataSeed,
      int batchSize, int[] bounds, Fault fault, boolean float32) implements ShardWorkload {
    RoutingConfig routing() {
      return RoutingConfig.of(RouterKind.LINEAR, topK, alpha).withZLossWeight(zLoss);
    }

    @Override
    public String replicaKey() {
      return "shard-toy/" + topK + "/" + alpha + "/" + zLoss + "/" + modelSeed + "/" + float32;
    }

    @Override
    public TunableModel newModel() {
      return new ShardToy(routing(), modelSeed, float32 ? DataType.FLOAT : DataType.DOUBLE);
    }

    int from(int shard, int shards) {
      return bounds == null ? (int) ((long) batchSize * shard / shards) : bounds[shard];
    }

    @Override
    public ShardedStep steps(TunableModel model) {
      ShardToy toy = (ShardToy) model;
      return new ShardedStep() {
        @Override
        public long countedTokens(int step, int micro, int shard, int shards) {
          return batch(dataSeed, step, micro, from(shard, shards), from(shard + 1, shards))
              .countedRows();
        }

        @Override
        public BatchTotals totals(int step, int micro, int shard, int shards) {
          Batch b = batch(dataSeed, step, micro, from(shard, shards), from(shard + 1, shards));
          toy.forward(b);
          return BatchTotals.of(b.countedRows(), toy.moeLayers());
        }

        @Override
        public double run(int step, int micro, int shard, int shards, BatchTotals global) {
          if (fault != null) {
            fault.maybeFail(step, micro, shard);
          }
          Batch b = batch(dataSeed, step, micro, from(shard, shards), from(shard + 1, shards));
          return toy.step(b, global.countedTokens());
        }
      };
    }
  }

  /** A failure injected into a shard's gradient pass, on the first attempt of its task only. */
  interface Fault extends java.io.Serializable {
    void maybeFail(int step, int micro, int shard);
  }
}
