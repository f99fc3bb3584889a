package org.evomoe.dl4j;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/** Finding the MoE layers of a DL4J network, and moving a network to another training phase. */
public final class MoeFfnLayers {
  private MoeFfnLayers() {}

  /**
   * The MoE layers of a {@code MultiLayerNetwork} or {@code ComputationGraph}, in layer order.
   *
   * @throws IllegalArgumentException for another kind of model
   */
  public static List<MoeFfnLayerImpl> of(Model model) {
    Layer[] layers;
    if (model instanceof MultiLayerNetwork mln) {
      layers = mln.getLayers();
    } else if (model instanceof ComputationGraph cg) {
      layers = cg.getLayers();
    } else {
      throw new IllegalArgumentException(
          "expected a MultiLayerNetwork or ComputationGraph, got " + model.getClass().getName());
    }
    List<MoeFfnLayerImpl> out = new ArrayList<>();
    for (Layer l : layers) {
      if (l instanceof MoeFfnLayerImpl m) {
        out.add(m);
      }
    }
    return out;
  }

  /**
   * A new network with {@code net}'s configuration and parameters in which every MoE layer is in
   * {@code phase} (e.g. EVOLUTION -> ROUTER_ONLY between EvoMoE's Stages II and III). {@code net}
   * is not changed. The optimiser state starts afresh: DL4J sizes it by the per-parameter updaters,
   * which the phase decides.
   *
   * @throws IllegalArgumentException if the network has no MoE layer, or the phase needs settings
   *     a layer lacks (EVOLUTION without an EvolutionConfig)
   */
  public static MultiLayerNetwork withPhase(MultiLayerNetwork net, MoeTrainingPhase phase) {
    MultiLayerConfiguration conf = net.getLayerWiseConfigurations().clone();
    int n = 0;
    for (NeuralNetConfiguration c : conf.getConfs()) {
      n += setPhase(c, phase);
    }
    requireSome(n);
    MultiLayerNetwork out = new MultiLayerNetwork(conf);
    out.init(net.params().dup(), false);
    return out;
  }

  /** As {@link #withPhase(MultiLayerNetwork, MoeTrainingPhase)}, for a ComputationGraph. */
  public static ComputationGraph withPhase(ComputationGraph net, MoeTrainingPhase phase) {
    ComputationGraphConfiguration conf = net.getConfiguration().clone();
    int n = 0;
    for (var v : conf.getVertices().values()) {
      if (v instanceof LayerVertex lv) {
        n += setPhase(lv.getLayerConf(), phase);
      }
    }
    requireSome(n);
    ComputationGraph out = new ComputationGraph(conf);
    out.init(net.params().dup(), false);
    return out;
  }

  private static int setPhase(NeuralNetConfiguration c, MoeTrainingPhase phase) {
    if (c.getLayer() instanceof MoeFfnLayer m) {
      m.setPhase(phase);
      m.validate();
      return 1;
    }
    return 0;
  }

  private static void requireSome(int n) {
    if (n == 0) {
      throw new IllegalArgumentException("the network has no MoeFfnLayer");
    }
  }
}
