package org.evomoe.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.evomoe.evolution.EvolutionConfig;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.RouterKind;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Bad settings and bad input fail with a message naming the problem. */
class MoeFfnLayerValidationTest {
  private static String message(Runnable r) {
    return assertThrows(RuntimeException.class, r::run).getMessage();
  }

  @Test
  void inconsistentSettingsAreRefusedAtBuild() {
    MoeConfig moe = MoeConfig.of(8, 12, 4, 1, 0.01);
    assertTrue(message(() -> new MoeFfnLayer.Builder().build()).contains("MoeConfig"));
    assertTrue(message(() -> new MoeFfnLayer.Builder().moe(moe).phase(MoeTrainingPhase.EVOLUTION).build())
        .contains("EvolutionConfig"));
    assertTrue(message(() -> new MoeFfnLayer.Builder().moe(moe).phase(MoeTrainingPhase.EVOLUTION)
        .evolution(EvolutionConfig.paperDefaults(3, 1)).build()).contains("N=3"));
    assertTrue(message(() -> new MoeFfnLayer.Builder().moe(moe).dtr(DtrConfig.defaults(16, 4)).build())
        .contains("d=16"));
    assertTrue(message(() -> new MoeFfnLayer.Builder().moe(moe).activation(Activation.RELU))
        .contains("activation"));
    MoeFfnLayer withDropout = new MoeFfnLayer.Builder().moe(moe).dropOut(0.5).build();
    assertTrue(message(() -> Dl4jNets.init(Dl4jNets.denseMoeSoftmax(4, withDropout, 3, DataType.FLOAT,
        new Adam(1e-3), 1))).contains("dropout"));
  }

  @Test
  void wrongInputWidthIsNamed() {
    MoeFfnLayer layer = new MoeFfnLayer.Builder().moe(MoeConfig.of(8, 12, 4, 1, 0.01)).modalityInput(true).build();
    String m = message(() -> new NeuralNetConfiguration.Builder().list()
        .layer(layer)
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
            .activation(Activation.SOFTMAX).build())
        .setInputType(InputType.feedForward(8)).build());
    assertTrue(m.contains("input has 8 features") && m.contains("modality column"), m);
  }

  @Test
  void badModalityValuesAreNamed() {
    MoeFfnLayer layer = new MoeFfnLayer.Builder()
        .moe(new MoeConfig(4, 6, 2, new RoutingConfig(1, false, 0.01, 0, RouterKind.MODALITY_LINEAR)))
        .modalityInput(true).build();
    MultiLayerNetwork net = Dl4jNets.init(new NeuralNetConfiguration.Builder().list().layer(layer).build());
    INDArray x = Nd4j.zeros(DataType.FLOAT, 3, 5);
    x.putScalar(2, 4, 7.0);
    String m = message(() -> net.output(x));
    assertTrue(m.contains("row 2") && m.contains("7.0"), m);
    x.putScalar(2, 4, 0.5);
    assertTrue(message(() -> net.output(x)).contains("0.5"));
  }

  @Test
  void anAllPaddingBatchRoutesNothingAndPassesNoGradient() {
    MoeFfnLayer layer = new MoeFfnLayer.Builder().moe(MoeConfig.of(8, 12, 4, 2, 0.5)).build();
    MultiLayerNetwork net = Dl4jNets.init(
        Dl4jNets.denseMoeSoftmax(6, layer, 3, DataType.DOUBLE, new Adam(1e-2), 3));
    INDArray x = Dl4jNets.normal(1, DataType.DOUBLE, 4, 6);
    INDArray mask = Nd4j.zeros(DataType.DOUBLE, 4, 1);
    INDArray moeParams = MoeFfnLayers.of(net).get(0).params().dup();
    net.setLayerMaskArrays(mask, null);
    net.fit(new DataSet(x, Dl4jNets.oneHot(2, DataType.DOUBLE, 4, 3), mask, null));
    assertEquals(moeParams, MoeFfnLayers.of(net).get(0).params());
    assertEquals(0.0, MoeFfnLayers.of(net).get(0).lastAuxiliaryLoss());
  }
}
