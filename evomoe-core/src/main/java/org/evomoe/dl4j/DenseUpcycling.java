package org.evomoe.dl4j;

import java.util.Arrays;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.evomoe.nn.SwiGluFfn;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSwish;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Sparse upcycling from dense DL4J weights: every expert of a MoE layer becomes a copy of a dense
 * SwiGLU FFN {@code y = down(swish(x gate) * (x up))}. In DL4J such an FFN is three bias-free
 * {@code DenseLayer}s in a {@code ComputationGraph}: {@code gate} (d -> h, SWISH), {@code up} (d
 * -> h, IDENTITY), their product ({@code ElementWiseVertex} PRODUCT) and {@code down} (h -> d,
 * IDENTITY). DL4J stores W as {@code [nIn, nOut]}; the core stores {@code [out, in]}, so the
 * matrices are transposed on the way.
 *
 * <p>A DL4J FFN of another shape (ReLU or GELU {@code DenseLayer}s with biases) is not a SwiGLU
 * FFN and cannot be upcycled exactly; see docs/dl4j.md.
 */
public final class DenseUpcycling {
  private DenseUpcycling() {}

  /**
   * Copies the dense FFN into every expert of {@code moe} (in phase EVOLUTION this is the start of
   * Stage II: seed and evolved experts equal).
   *
   * @param gateW [d, h] (DL4J layout)
   * @param upW [d, h]
   * @param downW [h, d]
   * @throws IllegalArgumentException on a shape that does not match the layer's d and h
   */
  public static void intoEveryExpert(MoeFfnLayerImpl moe, INDArray gateW, INDArray upW, INDArray downW) {
    int d = moe.layerConf().moeConfig().dModel();
    int h = moe.layerConf().moeConfig().dHidden();
    requireShape("gate W", gateW, d, h);
    requireShape("up W", upW, d, h);
    requireShape("down W", downW, h, d);
    for (SwiGluFfn e : moe.core().experts()) {
      e.gate().value().assign(gateW.transpose());
      e.up().value().assign(upW.transpose());
      e.down().value().assign(downW.transpose());
    }
  }

  /**
   * As {@link #intoEveryExpert(MoeFfnLayerImpl, INDArray, INDArray, INDArray)} from the three
   * dense layers of a DL4J SwiGLU FFN.
   *
   * @throws IllegalArgumentException unless {@code gate} is a bias-free SWISH DenseLayer and {@code
   *     up} and {@code down} bias-free IDENTITY DenseLayers of matching sizes
   */
  public static void intoEveryExpert(MoeFfnLayerImpl moe, Layer gate, Layer up, Layer down) {
    intoEveryExpert(
        moe,
        weightOf("gate", gate, ActivationSwish.class),
        weightOf("up", up, ActivationIdentity.class),
        weightOf("down", down, ActivationIdentity.class));
  }

  private static INDArray weightOf(String what, Layer layer, Class<? extends IActivation> activation) {
    if (!(layer.conf().getLayer() instanceof DenseLayer dense)) {
      throw new IllegalArgumentException(
          what + " must be a DenseLayer, got " + layer.conf().getLayer().getClass().getSimpleName());
    }
    if (dense.hasBias()) {
      throw new IllegalArgumentException(
          what + " layer " + dense.getLayerName() + " has a bias; SwiGLU experts have none (hasBias(false))");
    }
    if (!activation.isInstance(dense.getActivationFn())) {
      throw new IllegalArgumentException(
          what + " layer " + dense.getLayerName() + " has activation " + dense.getActivationFn()
              + ", expected " + activation.getSimpleName());
    }
    return layer.getParam(DefaultParamInitializer.WEIGHT_KEY);
  }

  private static void requireShape(String what, INDArray a, long rows, long cols) {
    if (a.rank() != 2 || a.size(0) != rows || a.size(1) != cols) {
      throw new IllegalArgumentException(
          what + " must be [" + rows + ", " + cols + "] (DL4J [nIn, nOut]), got " + Arrays.toString(a.shape()));
    }
  }
}
