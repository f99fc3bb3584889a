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
import org.evomoe.evolution.EvolutionConfig;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.RoutingConfig;
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

  private static MoeConfig moe(int topK, boolean renormalize) {
    return new MoeConfig(D, 8, 3, new RoutingConfig(topK, renormalize, 0.3, 0.05, RouterKind.LINEAR));
  }

  private static boolean check(MultiLayerNetwork net, INDArray x, INDArray y, Set<String> exclude) {
    return GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig()
        .net(net).input(x).labels(y).epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
        .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).excludeParams(exclude)
        .subset(true).maxPerParam(8));
  }

  private static void checkNet(MoeFfnLayer layer, long seed, Set<String> exclude) {
    MultiLayerNetwork net = Dl4jNets.init(
        Dl4jNets.denseMoeSoftmax(N_IN, layer, CLASSES, DataType.DOUBLE, new NoOp(), seed));
    INDArray x = Dl4jNets.normal(seed + 1, DataType.DOUBLE, BATCH, N_IN);
    INDArray y = Dl4jNets.oneHot(seed + 2, DataType.DOUBLE, BATCH, CLASSES);
    assertTrue(check(net, x, y, exclude), "gradient check failed for " + layer);
  }

  @Test
  void linearRouterTop2RenormalisedWithAuxLosses() {
    checkNet(new MoeFfnLayer.Builder().moe(moe(2, true)).router(RouterKind.LINEAR).build(), 11, null);
  }

  @Test
  void linearRouterTop1RawGate() {
    checkNet(new MoeFfnLayer.Builder().moe(moe(1, false)).router(RouterKind.LINEAR).build(), 12, null);
  }

  @Test
  void modalityLinearRouterOnImageTokens() {
    checkNet(new MoeFfnLayer.Builder().moe(moe(2, false)).router(RouterKind.MODALITY_LINEAR)
        .modality(org.evomoe.router.Modality.IMAGE).build(), 13, null);
  }

  @Test
  void dynamicTokenRouter() {
    DtrConfig dtr = new DtrConfig(D, 3, 2, 4, 5, HyperActivation.NONE, true, ThetaContraction.CONTRACTED);
    checkNet(new MoeFfnLayer.Builder().moe(moe(1, false)).dtr(dtr).build(), 14, null);
  }

  @Test
  void evolutionPhaseTrainsOnlyTheSeed() {
    checkNet(new MoeFfnLayer.Builder().moe(moe(1, false)).phase(MoeTrainingPhase.EVOLUTION)
        .evolution(EvolutionConfig.paperDefaults(3, 5)).build(), 15, null);
  }

  @Test
  void routerOnlyPhaseGradientOfTheRouter() {
    MoeFfnLayer layer = new MoeFfnLayer.Builder().moe(moe(2, true)).router(RouterKind.LINEAR)
        .phase(MoeTrainingPhase.ROUTER_ONLY).build();
    Set<String> experts = new HashSet<>();
    for (String k : layer.initializer().paramKeys(layer)) {
      if (k.startsWith("experts.")) {
        experts.add("1_" + k);
      }
    }
    checkNet(layer, 16, experts);
  }

  /** The modality column as the first layer's input: tokens of both modalities in one batch. */
  @Test
  void modalityColumnInput() {
    DtrConfig dtr = new DtrConfig(D, 3, 2, 4, 5, HyperActivation.NONE, false, ThetaContraction.CONTRACTED);
    MoeFfnLayer layer = new MoeFfnLayer.Builder().moe(moe(2, true)).dtr(dtr).modalityInput(true).build();
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
      x.putScalar(i, D, i % 2); // alternate IMAGE (0) and TEXT (1)
    }
    INDArray y = Dl4jNets.oneHot(19, DataType.DOUBLE, BATCH, CLASSES);
    assertTrue(check(net, x, y, null));
    // Both hypernetworks received gradient.
    net.setInput(x);
    net.setLabels(y);
    net.computeGradientAndScore();
    var g = net.gradient().gradientForVariable();
    assertTrue(g.get("0_gate.hyper.image.fc1.weight").norm2Number().doubleValue() > 0);
    assertTrue(g.get("0_gate.hyper.text.fc1.weight").norm2Number().doubleValue() > 0);
  }

  /**
   * Sequences [batch, d, time] with padding: DL4J flattens them to tokens for the layer; the
   * gradient check covers the minibatch scaling with B sequences of T tokens.
   */
  @Test
  void recurrentInputWithPaddingMask() {
    int b = 3;
    int t = 4;
    MoeFfnLayer layer = new MoeFfnLayer.Builder().moe(moe(2, true)).router(RouterKind.LINEAR).build();
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
