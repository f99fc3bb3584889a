package org.evomoe.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.evomoe.router.RouterKind;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;

/** Upcycling a dense DL4J SwiGLU FFN into every expert of the MoE layer. */
class DenseUpcyclingTest {
  private static final int D = 8;
  private static final int H = 12;

  /** y = down(swish(x gate) * (x up)) as three bias-free DL4J dense layers. */
  private static ComputationGraph denseSwiGlu() {
    ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder()
        .seed(3).dataType(DataType.DOUBLE).updater(new NoOp())
        .graphBuilder()
        .addInputs("x")
        .addLayer("gate", new DenseLayer.Builder().nIn(D).nOut(H).hasBias(false).activation(Activation.SWISH).build(), "x")
        .addLayer("up", new DenseLayer.Builder().nIn(D).nOut(H).hasBias(false).activation(Activation.IDENTITY).build(), "x")
        .addVertex("h", new ElementWiseVertex(ElementWiseVertex.Op.Product), "gate", "up")
        .addLayer("down", new DenseLayer.Builder().nIn(H).nOut(D).hasBias(false).activation(Activation.IDENTITY).build(), "h")
        .setOutputs("down")
        .build());
    g.init();
    return g;
  }

  private static MultiLayerNetwork moeNet(int experts, int topK, boolean renormalize) {
    return Dl4jNets.init(new NeuralNetConfiguration.Builder()
        .seed(4).dataType(DataType.DOUBLE).updater(new NoOp())
        .list()
        .layer(Dl4jNets.layer(Dl4jNets.spec(D, H, experts,
            Dl4jNets.routing(RouterKind.LINEAR, topK, renormalize, 0.01, 0.0), DataType.DOUBLE).build()))
        .build());
  }

  @Test
  void upcycledLayerComputesTheDenseFfnWhenGatesSumToOne() {
    ComputationGraph dense = denseSwiGlu();
    // Top-2 of 4 with renormalised gates: sum_j g_j * FFN(x) = FFN(x) when every expert is the FFN.
    MultiLayerNetwork net = moeNet(4, 2, true);
    MoeFfnLayerImpl moe = MoeFfnLayers.of(net).get(0);
    INDArray x = Dl4jNets.normal(9, DataType.DOUBLE, 20, D);
    INDArray before = net.output(x);
    DenseUpcycling.intoEveryExpert(moe, dense.getLayer("gate"), dense.getLayer("up"), dense.getLayer("down"));
    INDArray expected = dense.outputSingle(x);
    INDArray got = net.output(x);
    assertEquals(0, expected.sub(got).amaxNumber().doubleValue(), 1e-12);
    assertTrue(before.sub(got).amaxNumber().doubleValue() > 1e-3, "the weights were replaced");
    // The copies live in the network's flat parameter array.
    assertEquals(dense.getLayer("gate").getParam("W").transpose(), moe.getParam("experts.3.gateProj.weight"));
  }

  @Test
  void rejectsLayersThatAreNotASwiGluFfn() {
    MultiLayerNetwork net = moeNet(2, 1, false);
    MoeFfnLayerImpl moe = MoeFfnLayers.of(net).get(0);
    ComputationGraph dense = denseSwiGlu();
    var e = assertThrows(IllegalArgumentException.class,
        () -> DenseUpcycling.intoEveryExpert(moe, dense.getLayer("up"), dense.getLayer("up"), dense.getLayer("down")));
    assertTrue(e.getMessage().contains("ActivationSwish"), e.getMessage());
    var shape = assertThrows(IllegalArgumentException.class,
        () -> DenseUpcycling.intoEveryExpert(moe, dense.getLayer("down").getParam("W"),
            dense.getLayer("up").getParam("W"), dense.getLayer("down").getParam("W")));
    assertTrue(shape.getMessage().contains("gate W must be [8, 12]"), shape.getMessage());
  }
}
