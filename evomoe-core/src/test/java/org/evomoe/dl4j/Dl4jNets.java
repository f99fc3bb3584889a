package org.evomoe.dl4j;

import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.evomoe.moe.MoeLayerSpec;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.router.RouterKind;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The shared fixture of the DL4J adapter tests: layer specs, MoE layers, small networks and seeded
 * data.
 */
final class Dl4jNets {
  private Dl4jNets() {}

  /** Prefix of the test layers' core parameter names (their DL4J keys drop it). */
  static final String PREFIX = "mlp";

  /**
   * A spec builder for a layer of width d, expert hidden width h and E experts with the given
   * routing and data type (the data type must be the network's).
   */
  static MoeLayerSpec.Builder spec(int d, int hidden, int experts, RoutingConfig routing, DataType type) {
    return MoeLayerSpec.builder(PREFIX, d, hidden).experts(experts).routing(routing).dataType(type);
  }

  /** Routing of the given kind: top-k, renormalisation, load-balancing and z-loss weights. */
  static RoutingConfig routing(RouterKind kind, int topK, boolean renormalize, double aux, double z) {
    return new RoutingConfig(topK, renormalize, aux, z, kind);
  }

  /** A MoE layer in phase ROUTED, each token of modality TEXT. */
  static MoeFfnLayer layer(MoeLayerSpec spec) {
    return new MoeFfnLayer.Builder().spec(spec).build();
  }

  /**
   * Dense(nIn -> d, tanh) -> the MoE layer -> softmax output (d -> classes), in the MoE layer's
   * data type.
   */
  static MultiLayerConfiguration denseMoeSoftmax(
      int nIn, MoeFfnLayer moe, int classes, IUpdater updater, long seed) {
    int d = moe.getSpec().config().dModel();
    DataType type = moe.getSpec().dataType();
    return new NeuralNetConfiguration.Builder()
        .seed(seed)
        .dataType(type)
        .updater(updater)
        .list()
        .layer(new DenseLayer.Builder().nIn(nIn).nOut(d).activation(Activation.TANH).build())
        .layer(moe)
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
            .nIn(d).nOut(classes).activation(Activation.SOFTMAX).build())
        .build();
  }

  static MultiLayerNetwork init(MultiLayerConfiguration conf) {
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }

  /** [rows, cols] of N(0, 1), seeded. */
  static INDArray normal(long seed, DataType type, int rows, int cols) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] v = new double[rows * cols];
    for (int i = 0; i < v.length; i++) {
      double u1 = 1 - r.nextDouble();
      v[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * r.nextDouble());
    }
    return Nd4j.create(v, new long[] {rows, cols}, 'c').castTo(type);
  }

  /** One-hot labels [rows, classes], seeded. */
  static INDArray oneHot(long seed, DataType type, int rows, int classes) {
    SplittableRandom r = new SplittableRandom(seed);
    INDArray y = Nd4j.zeros(type, rows, classes);
    for (int i = 0; i < rows; i++) {
      y.putScalar(i, r.nextInt(classes), 1.0);
    }
    return y;
  }
}
