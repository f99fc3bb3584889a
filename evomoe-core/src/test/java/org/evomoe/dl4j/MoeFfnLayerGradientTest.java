package org.evomoe.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.evomoe.moe.MoeLayerSpec;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.HyperActivation;
import org.evomoe.router.RouterKind;
import org.evomoe.router.ThetaContraction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * DL4J's own GradientCheckUtil on networks with the MoE layer (double precision): the gradient
 * DL4J's updater sees, after its division by the minibatch size, is the finite-difference gradient
 * of the network's score, which includes the load-balancing and z-losses.
 */
class MoeFfnLayerGradientTest {
  private static final int N_IN = 5;
  private static final int D = 6;
  private static final int CLASSES = 3;
  private static final int BATCH = 10;
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

  private static MoeLayerSpec.Builder spec(RouterKind kind, int topK, boolean renormalize) {
    return Dl4jNets.spec(D, 8, 3, Dl4jNets.routing(kind, topK, renormalize, 0.3, 0.05), DataType.DOUBLE);
  }

  private static MoeFfnLayer layer(RouterKind kind, int topK, boolean renormalize) {
    return Dl4jNets.layer(spec(kind, topK, renormalize).build());
  }

  private static boolean check(MultiLayerNetwork net, INDArray x, INDArray y, Set<String> exclude) {
    return GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig()
        .net(net).input(x).labels(y).epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
        .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).excludeParams(exclude)
        .subset(true).maxPerParam(8));
  }

  private static void checkNet(MoeFfnLayer layer, long seed, Set<String> exclude) {
    MultiLayerNetwork net = Dl4jNets.init(
        Dl4jNets.denseMoeSoftmax(N_IN, layer, CLASSES, new NoOp(), seed));
    INDArray x = Dl4jNets.normal(seed + 1, DataType.DOUBLE, BATCH, N_IN);
    INDArray y = Dl4jNets.oneHot(seed + 2, DataType.DOUBLE, BATCH, CLASSES);
    assertTrue(check(net, x, y, exclude), "gradient check failed for " + layer);
  }

  @Test
  void linearRouterTop2RenormalisedWithAuxLosses() {
    checkNet(layer(RouterKind.LINEAR, 2, true), 11, null);
  }

  @Test
  void linearRouterTop1RawGate() {
    checkNet(layer(RouterKind.LINEAR, 1, false), 12, null);
  }

  @Test
  void modalityLinearRouterOnImageTokens() {
    checkNet(new MoeFfnLayer.Builder().spec(spec(RouterKind.MODALITY_LINEAR, 2, false).build())
        .modality(org.evomoe.router.Modality.IMAGE).build(), 13, null);
  }

  @Test
  void dynamicTokenRouter() {
    DtrConfig dtr = new DtrConfig(2, 4, 5, HyperActivation.NONE, true, ThetaContraction.CONTRACTED);
    checkNet(Dl4jNets.layer(spec(RouterKind.DTR, 1, false).dtr(dtr).build()), 14, null);
  }

  @Test
  void evolutionPhaseTrainsOnlyTheSeed() {
    checkNet(new MoeFfnLayer.Builder().spec(spec(RouterKind.LINEAR, 1, false).paperEvolution(5).build())
        .phase(MoeTrainingPhase.EVOLUTION).build(), 15, null);
  }

  @Test
  void routerOnlyPhaseGradientOfTheRouter() {
    MoeFfnLayer layer = new MoeFfnLayer.Builder().spec(spec(RouterKind.LINEAR, 2, true).build())
        .phase(MoeTrainingPhase.ROUTER_ONLY).build();
    Set<String> experts = new HashSet<>();
    for (String k : layer.initializer().paramKeys(layer)) {
      if (k.startsWith("experts.")) {
        experts.add("1_" + k);
      }
    }
    checkNet(layer, 16, experts);
  }

  /**
   * The modality column as the first layer's input, with three modalities (image, text, audio):
   * tokens of all three in one batch, each modality's hypernetwork trained.
   */
  @Test
  void modalityColumnInputWithThreeModalities() {
    DtrConfig dtr = new DtrConfig(2, 4, 5, HyperActivation.NONE, false, ThetaContraction.CONTRACTED);
    MoeFfnLayer layer = new MoeFfnLayer.Builder()
        .spec(spec(RouterKind.DTR, 2, true).dtr(dtr).modalities("image", "text", "audio").build())
        .modalityInput(true).build();
    MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
        .seed(17).dataType(DataType.DOUBLE).updater(new NoOp())
        .list()
        .layer(layer)
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
            .nIn(D).nOut(CLASSES).activation(Activation.SOFTMAX).build())
        .build();
    MultiLayerNetwork net = Dl4jNets.init(conf);
    INDArray x = Dl4jNets.normal(18, DataType.DOUBLE, BATCH, D + 1);
    for (int i = 0; i < BATCH; i++) {
      x.putScalar(i, D, i % 3); // image (0), text (1), audio (2) in turn
    }
    INDArray y = Dl4jNets.oneHot(19, DataType.DOUBLE, BATCH, CLASSES);
    assertTrue(check(net, x, y, null));
    // Every modality's hypernetwork received gradient.
    net.setInput(x);
    net.setLabels(y);
    net.computeGradientAndScore();
    var g = net.gradient().gradientForVariable();
    assertTrue(g.get("0_gate.hyper.image.fc1.weight").norm2Number().doubleValue() > 0);
    assertTrue(g.get("0_gate.hyper.text.fc1.weight").norm2Number().doubleValue() > 0);
    assertTrue(g.get("0_gate.hyper.audio.fc1.weight").norm2Number().doubleValue() > 0);
  }

  /**
   * Sequences [batch, d, time] with padding: DL4J flattens them to tokens for the layer; the
   * gradient check covers the minibatch scaling with B sequences of T tokens.
   */
  @Test
  void recurrentInputWithPaddingMask() {
    int b = 3;
    int t = 4;
    MoeFfnLayer layer = layer(RouterKind.LINEAR, 2, true);
    MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
        .seed(23).dataType(DataType.DOUBLE).updater(new NoOp())
        .list()
        .layer(layer)
        .layer(new org.deeplearning4j.nn.conf.layers.RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
            .nIn(D).nOut(CLASSES).activation(Activation.SOFTMAX).build())
        .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.recurrent(D))
        .build();
    MultiLayerNetwork net = Dl4jNets.init(conf);
    INDArray x = Dl4jNets.normal(24, DataType.DOUBLE, b * t, D).reshape('c', b, t, D).permute(0, 2, 1).dup('c');
    INDArray y = Nd4j.zeros(DataType.DOUBLE, b, CLASSES, t);
    INDArray mask = Nd4j.ones(DataType.DOUBLE, b, t);
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        y.putScalar(new long[] {i, (i + j) % CLASSES, j}, 1.0);
      }
    }
    mask.putScalar(1, 3, 0.0); // sequence 1 has 3 tokens, sequence 2 has 2
    mask.putScalar(2, 2, 0.0);
    mask.putScalar(2, 3, 0.0);
    assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig()
        .net(net).input(x).labels(y).inputMask(mask).labelMask(mask)
        .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
        .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).subset(true).maxPerParam(8)));
    net.output(x, false, mask, null);
    int[] counts = MoeFfnLayers.of(net).get(0).core().lastRouting().tokensPerExpert();
    assertEquals(2 * 9, java.util.Arrays.stream(counts).sum(), "9 real tokens, top-2");
  }
}
