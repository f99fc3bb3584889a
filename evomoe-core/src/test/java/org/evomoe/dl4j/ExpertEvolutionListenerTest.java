package org.evomoe.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.evomoe.evolution.BetaRange;
import org.evomoe.evolution.EvolutionConfig;
import org.evomoe.evolution.EvolutionRule;
import org.evomoe.moe.MoeLayerSpec;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.RouterKind;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

/** Expert evolution as a DL4J training listener, then the router-only phase. */
class ExpertEvolutionListenerTest {
  private static final int E = 4;

  private static List<INDArray> copies(List<Parameter> ps) {
    List<INDArray> out = new ArrayList<>();
    for (Parameter p : ps) {
      out.add(p.value().dup());
    }
    return out;
  }

  private static List<List<INDArray>> expertValues(MoeFfnLayerImpl moe) {
    List<List<INDArray>> out = new ArrayList<>();
    for (SwiGluFfn f : moe.core().experts()) {
      out.add(copies(f.parameters()));
    }
    return out;
  }

  /** A linear top-1 layer of width 8, hidden 12, E experts, without auxiliary losses. */
  private static MoeLayerSpec.Builder linear(int experts) {
    return Dl4jNets.spec(8, 12, experts, Dl4jNets.routing(RouterKind.LINEAR, 1, false, 0, 0),
        DataType.DOUBLE);
  }

  @Test
  void evolvedExpertsFollowTheSeedByTheRuleWhileFitRuns() {
    EvolutionConfig evo = EvolutionConfig.paperDefaults(E, 123);
    MoeFfnLayer layer = new MoeFfnLayer.Builder()
        .spec(Dl4jNets.spec(8, 12, E, Dl4jNets.routing(RouterKind.DTR, 1, false, 0.001, 0.0),
            DataType.DOUBLE).evolution(evo).build())
        .phase(MoeTrainingPhase.EVOLUTION).build();
    MultiLayerNetwork net = Dl4jNets.init(Dl4jNets.denseMoeSoftmax(6, layer, 3, new Adam(1e-2), 3));
    ExpertEvolutionListener listener = new ExpertEvolutionListener();
    net.setListeners(listener);
    MoeFfnLayerImpl moe = MoeFfnLayers.of(net).get(0);
    List<List<INDArray>> start = expertValues(moe);
    for (int e = 1; e < E; e++) {
      for (int i = 0; i < 3; i++) {
        assertEquals(start.get(0).get(i), start.get(e).get(i), "experts start as copies of the seed");
      }
    }
    INDArray routerBefore = moe.getParam("gate.phi.weight").dup();
    DataSet ds = new DataSet(Dl4jNets.normal(1, DataType.DOUBLE, 16, 6), Dl4jNets.oneHot(2, DataType.DOUBLE, 16, 3));

    for (int step = 0; step < 5; step++) {
      List<List<INDArray>> before = expertValues(moe);
      net.fit(ds);
      List<List<INDArray>> after = expertValues(moe);
      double[] betas = listener.lastBetas(moe);
      for (int e = 1; e < E; e++) {
        BetaRange r = evo.ranges().get(e - 1);
        assertTrue(betas[e - 1] >= r.lo() && betas[e - 1] <= r.hi(), "beta " + betas[e - 1] + " in " + r);
        for (int i = 0; i < 3; i++) {
          // PARTIAL_UPDATE: theta_e += (1 - beta_e) * (theta_1(after) - theta_1(before)).
          INDArray delta = after.get(0).get(i).sub(before.get(0).get(i));
          INDArray expected = before.get(e).get(i).add(delta.mul(1 - betas[e - 1]));
          assertTrue(delta.norm2Number().doubleValue() > 0, "the seed trains");
          assertEquals(0, expected.sub(after.get(e).get(i)).amaxNumber().doubleValue(), 1e-12);
        }
      }
    }
    assertEquals(5, listener.steps());
    // N different experts grew from one seed; the router did not move (NoOp updater).
    for (int e = 1; e < E; e++) {
      assertNotEquals(expertValues(moe).get(0).get(0), expertValues(moe).get(e).get(0));
    }
    assertEquals(routerBefore, moe.getParam("gate.phi.weight"));
    listener.close();

    // Stage III: a router-only network from the same parameters; experts stay, the router trains.
    MultiLayerNetwork stage3 = MoeFfnLayers.withPhase(net, MoeTrainingPhase.ROUTER_ONLY);
    assertEquals(net.params(), stage3.params());
    MoeFfnLayerImpl moe3 = MoeFfnLayers.of(stage3).get(0);
    List<List<INDArray>> experts3 = expertValues(moe3);
    stage3.fit(ds);
    stage3.fit(ds);
    assertEquals(experts3, expertValues(moe3));
    assertNotEquals(routerBefore, moe3.getParam("gate.phi.weight"));
    // The stage-II network itself was not changed.
    assertEquals(MoeTrainingPhase.EVOLUTION, moe.layerConf().getPhase());
  }

  @Test
  void emaRuleAndResumedBetaStreams() {
    EvolutionConfig evo = EvolutionConfig.paperDefaults(3, 9).withRule(EvolutionRule.EMA);
    MoeFfnLayer layer = new MoeFfnLayer.Builder().spec(linear(3).evolution(evo).build())
        .phase(MoeTrainingPhase.EVOLUTION).build();
    MultiLayerNetwork a = Dl4jNets.init(Dl4jNets.denseMoeSoftmax(6, layer, 3, new Adam(1e-2), 4));
    MultiLayerNetwork b = a.clone();
    DataSet ds = new DataSet(Dl4jNets.normal(5, DataType.DOUBLE, 16, 6), Dl4jNets.oneHot(6, DataType.DOUBLE, 16, 3));
    ExpertEvolutionListener la = new ExpertEvolutionListener();
    a.setListeners(la);
    for (int i = 0; i < 4; i++) {
      a.fit(ds);
    }
    // b: two steps, then a fresh listener resumed from the saved states, then two more.
    ExpertEvolutionListener lb = new ExpertEvolutionListener();
    b.setListeners(lb);
    b.fit(ds);
    b.fit(ds);
    var saved = lb.states();
    ExpertEvolutionListener lb2 = new ExpertEvolutionListener();
    lb2.restoreStates(b, saved);
    b.setListeners(lb2);
    b.fit(ds);
    b.fit(ds);
    assertEquals(a.params(), b.params());
    MoeFfnLayerImpl moe = MoeFfnLayers.of(a).get(0);
    double[] betas = la.lastBetas(moe);
    assertTrue(betas[0] >= 0.9 && betas[1] <= 0.89);
  }

  @Test
  void refusesANetworkWithoutEvolvingLayers() {
    MoeFfnLayer layer = Dl4jNets.layer(linear(3).build());
    MultiLayerNetwork net = Dl4jNets.init(Dl4jNets.denseMoeSoftmax(6, layer, 3, new Adam(1e-2), 4));
    net.setListeners(new ExpertEvolutionListener());
    DataSet ds = new DataSet(Dl4jNets.normal(5, DataType.DOUBLE, 4, 6), Dl4jNets.oneHot(6, DataType.DOUBLE, 4, 3));
    var e = assertThrows(IllegalStateException.class, () -> net.fit(ds));
    assertTrue(e.getMessage().contains("EVOLUTION"), e.getMessage());
  }

  @Test
  void frozenExpertsIgnoreWeightDecayAndL2() {
    MoeFfnLayer layer = new MoeFfnLayer.Builder().spec(linear(3).build())
        .phase(MoeTrainingPhase.ROUTER_ONLY).build();
    MultiLayerNetwork net = Dl4jNets.init(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
        .seed(5).dataType(DataType.DOUBLE).updater(new Adam(1e-2)).weightDecay(0.1).l2(0.01)
        .list()
        .layer(layer)
        .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(
            org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT)
            .nIn(8).nOut(3).activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
        .build());
    MoeFfnLayerImpl moe = MoeFfnLayers.of(net).get(0);
    assertTrue(layer.getUpdaterByParam("experts.1.upProj.weight") instanceof org.nd4j.linalg.learning.config.NoOp);
    List<List<INDArray>> experts = expertValues(moe);
    INDArray router = moe.getParam("gate.weight").dup();
    DataSet ds = new DataSet(Dl4jNets.normal(7, DataType.DOUBLE, 16, 8), Dl4jNets.oneHot(8, DataType.DOUBLE, 16, 3));
    net.fit(ds);
    net.fit(ds);
    assertEquals(experts, expertValues(moe));
    assertNotEquals(router, moe.getParam("gate.weight"));
  }
}
