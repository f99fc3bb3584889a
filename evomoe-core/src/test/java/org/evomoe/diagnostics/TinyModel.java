package org.evomoe.diagnostics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.TestArrays;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.LinearRouter;
import org.evomoe.router.Modality;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A "model" for the diagnostics tests: MoE layers in order, and evaluation batches with known
 * modality tags that every layer processes (each layer sees the batch itself, so that per-layer
 * results can be computed by hand).
 */
final class TinyModel {
  final List<MoeLayer> layers;
  final List<INDArray> inputs = new ArrayList<>();
  final List<Modality[]> tags = new ArrayList<>();

  TinyModel(List<MoeLayer> layers) {
    this.layers = List.copyOf(layers);
  }

  TinyModel batch(INDArray x, Modality[] t) {
    inputs.add(x);
    tags.add(t);
    return this;
  }

  /** The data pass: every batch through every layer. */
  void pass() {
    for (int b = 0; b < inputs.size(); b++) {
      for (MoeLayer l : layers) {
        l.forward(inputs.get(b), tags.get(b));
      }
    }
  }

  /** The metric: mean over layers and batches of the sum of the layer's output. */
  double outputSum() {
    double s = 0;
    for (int b = 0; b < inputs.size(); b++) {
      for (MoeLayer l : layers) {
        s += l.forward(inputs.get(b), tags.get(b)).sumNumber().doubleValue();
      }
    }
    return s / (inputs.size() * layers.size());
  }

  /** A MoE layer with random router and experts (router weights scaled x3 for distinct choices). */
  static MoeLayer randomMoe(MoeConfig c, DataType type, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    LinearRouter router = new LinearRouter("mlp.gate", c.dModel(), c.numExperts(), type, rng);
    router.weight().value().muli(3);
    List<SwiGluFfn> experts = new ArrayList<>();
    for (int e = 0; e < c.numExperts(); e++) {
      experts.add(new SwiGluFfn("mlp.experts." + e, c.dModel(), c.dHidden(), type, rng));
    }
    return new MoeLayer(c, router, experts);
  }

  /**
   * d = 4. The router reads only feature 0: logit_0 = sign * 5 x_0, logit_1 = -sign * 5 x_0, and
   * logit_e = 0 for e >= 2. With x_0 != 0 the top-1 expert is 0 or 1 (by the sign of sign * x_0),
   * and for E = 3 the second choice is always expert 2.
   */
  static MoeLayer separatingMoe(int experts, int topK, double sign, long seed) {
    MoeLayer moe = randomMoe(MoeConfig.of(4, 6, experts, topK, 0.01), DataType.DOUBLE, seed);
    INDArray w = ((LinearRouter) moe.router()).weight().value();
    w.assign(0);
    w.putScalar(0, 0, 5 * sign);
    w.putScalar(1, 0, -5 * sign);
    return moe;
  }

  /** Feature-0 values of the image tokens: 4 positive, 2 negative. */
  static final double[] IMAGE_X0 = {1.0, 2.0, -1.0, 0.5, 1.5, -0.7};

  /** Feature-0 values of the text tokens: 1 positive, 4 negative. */
  static final double[] TEXT_X0 = {-1.0, 0.3, -2.0, -0.4, -1.1};

  /**
   * Two batches holding the IMAGE_X0 and TEXT_X0 tokens, interleaved, other features random.
   */
  TinyModel withSeparatingData(long seed) {
    int n = IMAGE_X0.length + TEXT_X0.length;
    INDArray all = TestArrays.normal(seed, n, 4);
    Modality[] allTags = new Modality[n];
    int i = 0;
    int t = 0;
    for (int r = 0; r < n; r++) {
      boolean image = (r % 2 == 0 && i < IMAGE_X0.length) || t >= TEXT_X0.length;
      all.putScalar(r, 0, image ? IMAGE_X0[i++] : TEXT_X0[t++]);
      allTags[r] = image ? Modality.IMAGE : Modality.TEXT;
    }
    int split = 4;
    batch(all.get(NDArrayIndex.interval(0, split),
            NDArrayIndex.all()).dup('c'),
        Arrays.copyOfRange(allTags, 0, split));
    batch(all.get(NDArrayIndex.interval(split, n),
            NDArrayIndex.all()).dup('c'),
        Arrays.copyOfRange(allTags, split, n));
    return this;
  }

  /** Batches of random tokens with alternating-run modality tags. */
  TinyModel withRandomData(long seed, int batches, int tokens, int dModel, DataType type) {
    for (int b = 0; b < batches; b++) {
      Modality[] t = new Modality[tokens];
      for (int r = 0; r < tokens; r++) {
        t[r] = (r / 3) % 2 == 0 ? Modality.IMAGE : Modality.TEXT;
      }
      batch(TestArrays.normal(seed + b, type, tokens, dModel), t);
    }
    return this;
  }
}
