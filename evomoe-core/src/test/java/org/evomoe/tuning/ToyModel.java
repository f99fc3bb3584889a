package org.evomoe.tuning;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.nn.Linear;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.Modality;
import org.evomoe.router.Router;
import org.evomoe.router.RouterKind;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A minimal multimodal model for tuning tests: image rows pass a projector, text rows an input
 * layer, then one MoE layer with a residual connection and a linear head; squared-error loss.
 *
 * <pre>
 * image x [Ti, d] -> projector -> \
 *                                  rows [Ti+Tt, d] -> z + MoE(z) -> head -> prediction [T, d]
 * text  x [Tt, d] -> input     -> /
 * </pre>
 */
public final class ToyModel implements TunableModel {
  final int d;
  final Linear projector; // PROJECTOR
  final Linear input; // LANGUAGE
  final MoeLayer moe;
  final Linear head; // LANGUAGE

  public ToyModel(int d, int hidden, int experts, Function<SplittableRandom, Router> routerFactory, long seed) {
    this(d, hidden, experts, routerFactory, seed, DataType.DOUBLE);
  }

  public ToyModel(int d, int hidden, int experts, Function<SplittableRandom, Router> routerFactory, long seed,
      DataType type) {
    SplittableRandom rng = new SplittableRandom(seed);
    this.d = d;
    this.projector = new Linear("multi_modal_projector.linear_1", d, d, true, type, rng);
    this.input = new Linear("model.input", d, d, true, type, rng);
    SwiGluFfn dense = new SwiGluFfn("model.layers.0.mlp.experts.0", d, hidden, type, rng);
    List<SwiGluFfn> ex = new ArrayList<>();
    ex.add(dense);
    for (int e = 1; e < experts; e++) {
      ex.add(dense.copy("model.layers.0.mlp.experts." + e));
    }
    Router router = routerFactory.apply(rng);
    // EvoMoE's Stage III routing (top-1, alpha 0.001) with the router's own kind.
    RouterKind kind = RouterKind.of(router) == null ? RouterKind.LINEAR : RouterKind.of(router);
    this.moe = new MoeLayer(new MoeConfig(d, hidden, experts, RoutingConfig.of(kind, 1, 0.001)),
        router, ex);
    this.head = new Linear("lm_head", d, d, true, type, rng);
  }

  /** Forward, squared-error loss (mean over rows and features) and backward; returns the loss. */
  public double trainStep(INDArray image, INDArray text, INDArray target) {
    INDArray pred = forward(image, text);
    INDArray diff = pred.sub(target);
    double loss = diff.mul(diff).sumNumber().doubleValue() / diff.length() + moe.weightedLoss();
    backward(diff.muli(2.0 / diff.length()), image.rows());
    return loss;
  }

  /** Loss without backward. */
  public double loss(INDArray image, INDArray text, INDArray target) {
    INDArray diff = forward(image, text).sub(target);
    return diff.mul(diff).sumNumber().doubleValue() / diff.length();
  }

  INDArray forward(INDArray image, INDArray text) {
    INDArray zi = projector.forward(image);
    INDArray zt = input.forward(text);
    INDArray z = Nd4j.vstack(zi, zt);
    Modality[] tags = new Modality[(int) z.rows()];
    for (int i = 0; i < tags.length; i++) {
      tags[i] = i < image.rows() ? Modality.IMAGE : Modality.TEXT;
    }
    INDArray h = z.add(moe.forward(z, tags));
    return head.forward(h);
  }

  private void backward(INDArray dPred, long imageRows) {
    INDArray dh = head.backward(dPred);
    INDArray dz = dh.add(moe.backward(dh));
    long t = dz.rows();
    projector.backward(dz.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, imageRows),
        org.nd4j.linalg.indexing.NDArrayIndex.all()).dup());
    input.backward(dz.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(imageRows, t),
        org.nd4j.linalg.indexing.NDArrayIndex.all()).dup());
  }

  @Override
  public List<MoeLayer> moeLayers() {
    return List.of(moe);
  }

  @Override
  public List<Parameter> projectorParameters() {
    return projector.parameters();
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>(projector.parameters());
    ps.addAll(input.parameters());
    ps.addAll(moe.parameters());
    ps.addAll(head.parameters());
    return ps;
  }
}
