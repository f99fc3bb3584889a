package org.evomoe.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.evomoe.moe.MoeLayerSpec;
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

  private static MoeLayerSpec.Builder spec(RouterKind kind, int topK, double aux, DataType type) {
    return Dl4jNets.spec(8, 12, 4, Dl4jNets.routing(kind, topK, false, aux, 0), type);
  }

  @Test
  void inconsistentSettingsAreRefusedAtBuild() {
    MoeLayerSpec spec = spec(RouterKind.LINEAR, 1, 0.01, DataType.FLOAT).build();
    assertTrue(message(() -> new MoeFfnLayer.Builder().build()).contains("MoeLayerSpec"));
    assertTrue(message(() -> new MoeFfnLayer.Builder().spec(spec).phase(MoeTrainingPhase.EVOLUTION).build())
        .contains("evolution settings"));
    assertTrue(message(() -> new MoeFfnLayer.Builder().spec(spec).activation(Activation.RELU))
        .contains("activation"));
    String m = message(() -> new MoeFfnLayer.Builder()
        .spec(spec(RouterKind.LINEAR, 1, 0.01, DataType.FLOAT).modalities("audio", "video").build())
        .build());
    assertTrue(m.contains("text") && m.contains("[audio, video]"), m);
    MoeFfnLayer withDropout = new MoeFfnLayer.Builder().spec(spec).dropOut(0.5).build();
    assertTrue(message(() -> Dl4jNets.init(Dl4jNets.denseMoeSoftmax(4, withDropout, 3,
        new Adam(1e-3), 1))).contains("dropout"));
  }

  @Test
  void theSpecsDataTypeMustBeTheNetworks() {
    MoeFfnLayer layer = Dl4jNets.layer(spec(RouterKind.LINEAR, 1, 0.01, DataType.FLOAT).build());
    String m = message(() -> Dl4jNets.init(new NeuralNetConfiguration.Builder()
        .dataType(DataType.DOUBLE).list().layer(layer).build()));
    assertTrue(m.contains("FLOAT") && m.contains("DOUBLE"), m);
  }

  @Test
  void wrongInputWidthIsNamed() {
    MoeFfnLayer layer = new MoeFfnLayer.Builder().spec(spec(RouterKind.LINEAR, 1, 0.01, DataType.FLOAT).build())
        .modalityInput(true).build();
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
        .spec(Dl4jNets.spec(4, 6, 2, Dl4jNets.routing(RouterKind.MODALITY_LINEAR, 1, false, 0.01, 0),
            DataType.FLOAT).modalities("image", "text", "audio").build())
        .modalityInput(true).build();
    MultiLayerNetwork net = Dl4jNets.init(new NeuralNetConfiguration.Builder().list().layer(layer).build());
    INDArray x = Nd4j.zeros(DataType.FLOAT, 3, 5);
    x.putScalar(1, 4, 2.0); // audio: fine
    net.output(x);
    x.putScalar(2, 4, 3.0); // no fourth modality
    String m = message(() -> net.output(x));
    assertTrue(m.contains("row 2") && m.contains("3.0") && m.contains("[image, text, audio]"), m);
    x.putScalar(2, 4, 0.5);
    assertTrue(message(() -> net.output(x)).contains("0.5"));
  }

  @Test
  void anAllPaddingBatchRoutesNothingAndPassesNoGradient() {
    MoeFfnLayer layer = Dl4jNets.layer(spec(RouterKind.LINEAR, 2, 0.5, DataType.DOUBLE).build());
    MultiLayerNetwork net = Dl4jNets.init(
        Dl4jNets.denseMoeSoftmax(6, layer, 3, new Adam(1e-2), 3));
    INDArray x = Dl4jNets.normal(1, DataType.DOUBLE, 4, 6);
    INDArray mask = Nd4j.zeros(DataType.DOUBLE, 4, 1);
    INDArray moeParams = MoeFfnLayers.of(net).get(0).params().dup();
    net.setLayerMaskArrays(mask, null);
    net.fit(new DataSet(x, Dl4jNets.oneHot(2, DataType.DOUBLE, 4, 3), mask, null));
    assertEquals(moeParams, MoeFfnLayers.of(net).get(0).params());
    assertEquals(0.0, MoeFfnLayers.of(net).get(0).lastAuxiliaryLoss());
  }
}
