package org.evomoe.dl4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.evomoe.moe.MoeLayer;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Lays the parameters of a {@link MoeFfnLayer} out in its slice of DL4J's flat parameter array
 * (see {@link MoeParamLayout}) and, when asked, initialises them with the core's seeded scheme:
 * the seed is drawn from ND4J's random generator, which DL4J seeds with the network seed.
 */
public final class MoeFfnParamInitializer implements ParamInitializer {
  /** The instance (the initializer is stateless). */
  public static final MoeFfnParamInitializer INSTANCE = new MoeFfnParamInitializer();

  private MoeFfnParamInitializer() {}

  private static MoeFfnLayer moe(Layer layer) {
    if (!(layer instanceof MoeFfnLayer m)) {
      throw new IllegalArgumentException("expected a MoeFfnLayer, got " + layer);
    }
    return m;
  }

  @Override
  public long numParams(NeuralNetConfiguration conf) {
    return numParams(conf.getLayer());
  }

  @Override
  public long numParams(Layer layer) {
    return moe(layer).layout().numParams();
  }

  @Override
  public List<String> paramKeys(Layer layer) {
    return moe(layer).layout().keys();
  }

  @Override
  public List<String> weightKeys(Layer layer) {
    List<String> out = new ArrayList<>();
    for (MoeParamLayout.Slot s : moe(layer).layout().slots()) {
      if (!s.bias()) {
        out.add(s.key());
      }
    }
    return out;
  }

  @Override
  public List<String> biasKeys(Layer layer) {
    List<String> out = new ArrayList<>();
    for (MoeParamLayout.Slot s : moe(layer).layout().slots()) {
      if (s.bias()) {
        out.add(s.key());
      }
    }
    return out;
  }

  @Override
  public boolean isWeightParam(Layer layer, String key) {
    return !moe(layer).layout().slot(key).bias();
  }

  @Override
  public boolean isBiasParam(Layer layer, String key) {
    return moe(layer).layout().slot(key).bias();
  }

  @Override
  public Map<String, INDArray> init(
      NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
    MoeFfnLayer layer = moe(conf.getLayer());
    Map<String, INDArray> views = views(layer, paramsView, "parameter");
    for (String key : views.keySet()) {
      conf.addVariable(key);
    }
    if (initializeParams) {
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        MoeLayer fresh =
            CoreMoe.build(layer, new SplittableRandom(Nd4j.getRandom().nextLong()));
        for (Parameter p : fresh.parameters()) {
          views.get(MoeParamLayout.keyOf(layer.getSpec().prefix(), p.name())).assign(p.value());
        }
      }
    }
    return views;
  }

  @Override
  public Map<String, INDArray> getGradientsFromFlattened(
      NeuralNetConfiguration conf, INDArray gradientView) {
    return views(moe(conf.getLayer()), gradientView, "gradient");
  }

  /** Dense c-ordered views of {@code flat}, one per parameter, in layout order. */
  static Map<String, INDArray> views(MoeFfnLayer layer, INDArray flat, String what) {
    MoeParamLayout layout = layer.layout();
    if (flat.length() != layout.numParams()) {
      throw new IllegalArgumentException(
          "MoE layer " + layer.getLayerName() + ": " + what + " view has " + flat.length()
              + " elements, the layer needs " + layout.numParams());
    }
    INDArray row = flat.rank() == 1 ? flat : flat.reshape('c', new long[] {flat.length()});
    Map<String, INDArray> out = new LinkedHashMap<>();
    for (MoeParamLayout.Slot s : layout.slots()) {
      INDArray v = row.get(NDArrayIndex.interval(s.offset(), s.offset() + s.length()))
          .reshape('c', s.shape());
      out.put(s.key(), v);
    }
    return out;
  }
}
