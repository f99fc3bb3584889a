package org.evomoe.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.HyperActivation;
import org.evomoe.router.ThetaContraction;
import org.evomoe.router.RouterKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The MoE layer as a ComputationGraph vertex with two inputs, the tokens and their modality
 * (DL4J concatenates them into the layer's [batch, d + 1] input): DL4J's gradient check, training,
 * JSON and ModelSerializer round trips.
 */
class MoeFfnGraphTest {
  private static final int N_IN = 5;
  private static final int D = 6;
  private static final int CLASSES = 3;
  private static DataType savedDefault;
  private static DataType savedFloatingDefault;

  @BeforeAll
  static void doublePrecision() {
    savedDefault = Nd4j.dataType();
    savedFloatingDefault = Nd4j.defaultFloatingPointType();
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
  }

  @AfterAll
  static void restore() {
    Nd4j.setDefaultDataTypes(savedDefault, savedFloatingDefault);
  }

  private static ComputationGraphConfiguration graph(IUpdater updater) {
    // Small sizes: DL4J's graph gradient check has no subset mode, so it visits every parameter.
    DtrConfig dtr = new DtrConfig(1, 2, 3, HyperActivation.NONE, false, ThetaContraction.CONTRACTED);
    return new NeuralNetConfiguration.Builder()
        .seed(21).dataType(DataType.DOUBLE).updater(updater)
        .graphBuilder()
        .addInputs("tokens", "modality")
        .setInputTypes(InputType.feedForward(N_IN), InputType.feedForward(1))
        .addLayer("embed", new DenseLayer.Builder().nIn(N_IN).nOut(D).activation(Activation.TANH).build(), "tokens")
        .addLayer("moe", new MoeFfnLayer.Builder()
            .spec(Dl4jNets.spec(D, 4, 3, Dl4jNets.routing(RouterKind.DTR, 2, true, 0.3, 0.05),
                DataType.DOUBLE).dtr(dtr).build())
            .modalityInput(true).build(),
            "embed", "modality")
        .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
            .nIn(D).nOut(CLASSES).activation(Activation.SOFTMAX).build(), "moe")
        .setOutputs("out")
        .build();
  }

  private static INDArray modalities(int batch) {
    INDArray m = Nd4j.zeros(DataType.DOUBLE, batch, 1);
    for (int i = 0; i < batch; i++) {
      m.putScalar(i, 0, (i % 3 == 0) ? 0 : 1); // IMAGE = 0, TEXT = 1
    }
    return m;
  }

  @Test
  void gradientCheckWithTokensAndModalityInputs() {
    ComputationGraph g = new ComputationGraph(graph(new NoOp()));
    g.init();
    INDArray x = Dl4jNets.normal(1, DataType.DOUBLE, 9, N_IN);
    INDArray y = Dl4jNets.oneHot(2, DataType.DOUBLE, 9, CLASSES);
    assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig()
        .net(g).inputs(new INDArray[] {x, modalities(9)}).labels(new INDArray[] {y})
        .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
        .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)));
  }

  @Test
  void trainsAndRoundTripsThroughJsonAndModelSerializer(@TempDir Path dir) throws Exception {
    ComputationGraphConfiguration conf = graph(new Adam(1e-2));
    assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
    ComputationGraph g = new ComputationGraph(conf);
    g.init();
    INDArray x = Dl4jNets.normal(3, DataType.DOUBLE, 30, N_IN);
    INDArray y = Dl4jNets.oneHot(4, DataType.DOUBLE, 30, CLASSES);
    MultiDataSet mds = new MultiDataSet(new INDArray[] {x, modalities(30)}, new INDArray[] {y});
    double before = g.score(mds);
    for (int i = 0; i < 30; i++) {
      g.fit(mds);
    }
    assertTrue(g.score(mds) < 0.8 * before, before + " -> " + g.score(mds));
    File file = dir.resolve("graph.zip").toFile();
    ModelSerializer.writeModel(g, file, true);
    ComputationGraph back = ModelSerializer.restoreComputationGraph(file, true);
    assertEquals(g.outputSingle(x, modalities(30)), back.outputSingle(x, modalities(30)));
    g.fit(mds);
    back.fit(mds);
    assertEquals(g.params(), back.params());
  }

  @Test
  void modalityChangesTheRouting() {
    ComputationGraph g = new ComputationGraph(graph(new NoOp()));
    g.init();
    INDArray x = Dl4jNets.normal(5, DataType.DOUBLE, 12, N_IN);
    INDArray asImage = g.outputSingle(x, Nd4j.zeros(DataType.DOUBLE, 12, 1));
    INDArray asText = g.outputSingle(x, Nd4j.ones(DataType.DOUBLE, 12, 1));
    assertTrue(asImage.sub(asText).amaxNumber().doubleValue() > 1e-6,
        "the DTR uses each modality's own hypernetwork");
  }
}
