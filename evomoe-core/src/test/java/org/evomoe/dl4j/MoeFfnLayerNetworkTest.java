package org.evomoe.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.evomoe.moe.MoeLayerSpec;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.RouterKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The MoE layer inside ordinary DL4J workflows: fit on a DataSetIterator, evaluation,
 * ModelSerializer save/restore, JSON configuration, and the score.
 */
class MoeFfnLayerNetworkTest {
  private static MoeLayerSpec.Builder spec(RouterKind kind, int topK, boolean renormalize, DataType type) {
    return Dl4jNets.spec(32, 48, 4, Dl4jNets.routing(kind, topK, renormalize, 0.01, 0.001), type);
  }

  private static MoeFfnLayer layer(RouterKind kind) {
    return Dl4jNets.layer(spec(kind, 2, true, DataType.FLOAT).build());
  }

  @Test
  void trainsOnFashionMnistSubsetAndBeatsChance() throws Exception {
    DataSet train = FashionMnistSubset.train(DataType.FLOAT);
    DataSet test = FashionMnistSubset.test(DataType.FLOAT);
    MultiLayerNetwork net = Dl4jNets.init(Dl4jNets.denseMoeSoftmax(
        FashionMnistSubset.PIXELS, layer(RouterKind.LINEAR), FashionMnistSubset.CLASSES,
        new Adam(3e-3), 42));
    ListDataSetIterator<DataSet> it = new ListDataSetIterator<>(train.asList(), 50);
    double before = net.score(train);
    net.fit(it, 4);
    double after = net.score(train);
    Evaluation eval = net.evaluate(new ListDataSetIterator<>(test.asList(), 100));
    assertTrue(after < 0.7 * before, "training loss " + before + " -> " + after);
    // 10 balanced classes: chance is 0.10.
    assertTrue(eval.accuracy() > 0.6, "test accuracy " + eval.accuracy());
    MoeFfnLayerImpl moe = assertInstanceOf(MoeFfnLayerImpl.class, net.getLayer(1));
    int[] counts = moe.core().lastRouting().tokensPerExpert();
    for (int c : counts) {
      assertTrue(c > 0, "every expert receives tokens: " + java.util.Arrays.toString(counts));
    }
  }

  @Test
  void modelSerializerRestoresIdenticalOutputsAndTrainingState(@TempDir Path dir) throws Exception {
    DataSet train = FashionMnistSubset.train(DataType.FLOAT);
    DataSet batch = new DataSet(
        train.getFeatures().getRows(java.util.stream.IntStream.range(0, 64).toArray()),
        train.getLabels().getRows(java.util.stream.IntStream.range(0, 64).toArray()));
    DtrConfig dtr = new DtrConfig(4, 8, 16, org.evomoe.router.HyperActivation.NONE, false,
        org.evomoe.router.ThetaContraction.CONTRACTED);
    MoeFfnLayer moe = Dl4jNets.layer(spec(RouterKind.DTR, 1, false, DataType.FLOAT).dtr(dtr).build());
    MultiLayerNetwork net = Dl4jNets.init(Dl4jNets.denseMoeSoftmax(
        FashionMnistSubset.PIXELS, moe, FashionMnistSubset.CLASSES, new Adam(3e-3), 7));
    for (int i = 0; i < 3; i++) {
      net.fit(batch);
    }
    File file = dir.resolve("net.zip").toFile();
    ModelSerializer.writeModel(net, file, true);
    MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(file, true);

    assertEquals(net.getLayerWiseConfigurations(), back.getLayerWiseConfigurations());
    assertEquals(net.params(), back.params());
    assertEquals(net.output(batch.getFeatures()), back.output(batch.getFeatures()));
    // Same updater state: one more step moves both identically.
    net.fit(batch);
    back.fit(batch);
    assertEquals(net.params(), back.params());
    assertEquals(net.output(batch.getFeatures()), back.output(batch.getFeatures()));
  }

  @Test
  void configurationRoundTripsThroughJson() {
    DtrConfig dtr = DtrConfig.defaults().withPhiBias(true);
    MoeLayerSpec.Builder audio = spec(RouterKind.MODALITY_LINEAR, 1, false, DataType.FLOAT)
        .modalities("image", "text", "audio");
    List<MoeFfnLayer> layers = List.of(
        layer(RouterKind.LINEAR),
        new MoeFfnLayer.Builder().spec(audio.build())
            .modality(audio.build().modalities().get("audio")).build(),
        new MoeFfnLayer.Builder().spec(spec(RouterKind.DTR, 1, false, DataType.FLOAT).dtr(dtr)
                .paperEvolution(99).build())
            .phase(MoeTrainingPhase.EVOLUTION).modalityInput(false).build());
    for (MoeFfnLayer l : layers) {
      MultiLayerConfiguration conf = Dl4jNets.denseMoeSoftmax(20, l, 3, new Adam(1e-3), 1);
      String json = conf.toJson();
      MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
      assertEquals(conf, back, json);
      assertEquals(json, back.toJson());
      MoeFfnLayer restored = (MoeFfnLayer) back.getConf(1).getLayer();
      assertEquals(l.getSpec(), restored.getSpec());
      assertEquals(l.getModality(), restored.getModality());
      assertEquals(l.getPhase(), restored.getPhase());
      // A network from the restored configuration with the same parameters computes the same.
      MultiLayerNetwork a = Dl4jNets.init(conf);
      MultiLayerNetwork b = new MultiLayerNetwork(back);
      b.init(a.params().dup(), true);
      INDArray x = Dl4jNets.normal(3, DataType.FLOAT, 5, 20);
      assertEquals(a.output(x), b.output(x));
    }
  }

  @Test
  void scoreIncludesTheWeightedLoadBalancingAndZLoss() {
    INDArray x = Dl4jNets.normal(1, DataType.DOUBLE, 40, 12);
    INDArray y = Dl4jNets.oneHot(2, DataType.DOUBLE, 40, 3);
    DataSet ds = new DataSet(x, y);
    MoeLayerSpec noAux = Dl4jNets.spec(8, 8, 4, Dl4jNets.routing(RouterKind.LINEAR, 2, false, 0, 0),
        DataType.DOUBLE).build();
    MoeLayerSpec aux = noAux.withRouting(noAux.config().routing().withAuxLossWeight(0.5).withZLossWeight(0.2));
    MultiLayerNetwork plain = Dl4jNets.init(Dl4jNets.denseMoeSoftmax(
        12, Dl4jNets.layer(noAux), 3, new NoOp(), 5));
    MultiLayerNetwork withAux = new MultiLayerNetwork(Dl4jNets.denseMoeSoftmax(
        12, Dl4jNets.layer(aux), 3, new NoOp(), 5));
    withAux.init(plain.params().dup(), true);

    // Cross-entropy from the outputs, by hand.
    INDArray p = plain.output(x);
    double ce = -Transforms.log(p, true).mul(y).sumNumber().doubleValue() / 40;
    assertEquals(ce, plain.score(ds), 1e-12);
    double score = withAux.score(ds);
    var moe = ((MoeFfnLayerImpl) withAux.getLayer(1)).core();
    double expected = ce + 0.5 * moe.auxLoss() + 0.2 * moe.zLoss();
    assertTrue(moe.auxLoss() > 0.9 && moe.zLoss() > 0, "aux " + moe.auxLoss() + " z " + moe.zLoss());
    assertEquals(expected, score, 1e-12);
    assertNotEquals(plain.score(ds), score);

    // fit()'s reported score includes them too.
    withAux.setInput(x);
    withAux.setLabels(y);
    withAux.computeGradientAndScore();
    assertEquals(expected, withAux.score(), 1e-12);
  }

  @Test
  void maskedRowsAreNotTokens() {
    MoeFfnLayer layer = Dl4jNets.layer(Dl4jNets.spec(8, 8, 4,
        Dl4jNets.routing(RouterKind.LINEAR, 2, false, 0.5, 0.1), DataType.DOUBLE).build());
    MultiLayerNetwork net = Dl4jNets.init(Dl4jNets.denseMoeSoftmax(6, layer, 3, new NoOp(), 8));
    MoeFfnLayerImpl moe = MoeFfnLayers.of(net).get(0);
    INDArray x = Dl4jNets.normal(9, DataType.DOUBLE, 10, 6);
    INDArray mask = org.nd4j.linalg.factory.Nd4j.ones(DataType.DOUBLE, 10, 1);
    int[] padding = {2, 5, 7};
    int[] kept = {0, 1, 3, 4, 6, 8, 9};
    for (int r : padding) {
      mask.putScalar(r, 0, 0.0);
    }
    INDArray masked = net.output(x, false, mask, null);
    int[] counts = moe.core().lastRouting().tokensPerExpert();
    assertEquals(2 * kept.length, java.util.Arrays.stream(counts).sum(), "padding rows are not routed");
    double aux = moe.core().auxLoss();
    double z = moe.core().zLoss();
    INDArray alone = net.output(x.getRows(kept));
    assertEquals(aux, moe.core().auxLoss(), 1e-12, "load balancing counts only the real tokens");
    assertEquals(z, moe.core().zLoss(), 1e-12);
    assertEquals(0, masked.getRows(kept).sub(alone).amaxNumber().doubleValue(), 1e-12);
  }
}
