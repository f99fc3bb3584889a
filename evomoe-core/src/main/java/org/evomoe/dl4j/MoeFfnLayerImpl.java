package org.evomoe.dl4j;

import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.evomoe.moe.MoeLayer;
import org.evomoe.tensor.Parameter;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The DL4J layer of a {@link MoeFfnLayer}: a core {@link MoeLayer} whose parameters are bound to
 * this layer's views of the network's flat parameter and gradient arrays ({@link
 * Parameter#bind}), so DL4J's updaters, serialisation and listeners see them.
 *
 * <p>Gradient scale: DL4J's loss gradients are sums over the minibatch and its updater divides
 * every gradient by the minibatch size B, while the load-balancing and z-losses are per-batch
 * means that enter the score undivided. Backward therefore runs the core on {@code epsilon / B}
 * (giving the gradient of the mean loss plus the auxiliary losses) and multiplies the result by B.
 * B is the network's minibatch size as a {@code MultiLayerNetwork} reports it, else the input
 * rows; 1 when the configuration is not in minibatch mode.
 *
 * <p>Memory: the core's forward arrays (its caches for backward included) are allocated in DL4J's
 * activations workspace, which DL4J keeps until backpropagation has finished; backward's
 * temporaries in DL4J's backprop working memory. Without workspaces they are ordinary arrays.
 */
public class MoeFfnLayerImpl extends BaseLayer<MoeFfnLayer> {
  private MoeLayer core; // built on first use, bound to the views
  private INDArray[] ownGrads; // gradient storage while DL4J has not given gradient views
  private int networkMiniBatch; // as set by MultiLayerNetwork; 0 = unknown
  private TokenRows lastTokens; // of the last forward
  private boolean lastForwardRouted;

  public MoeFfnLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /** The core layer, its parameters bound to this layer's parameter and gradient views. */
  public MoeLayer core() {
    if (core == null) {
      if (params == null) {
        throw new IllegalStateException("MoE layer " + layerId() + " has no parameters yet");
      }
      MoeFfnLayer conf = layerConf();
      MoeLayer m;
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        // Structure only: the values are replaced by the views below.
        m = CoreMoe.build(conf, new SplittableRandom(0));
      }
      if (!conf.getPhase().routes()) {
        m.forceExpert(0);
      }
      this.core = m;
      bindAll();
    }
    return core;
  }

  private void bindAll() {
    if (core == null) {
      return;
    }
    MoeFfnLayer conf = layerConf();
    int i = 0;
    if (gradientViews == null && ownGrads == null) {
      ownGrads = new INDArray[core.parameters().size()];
    }
    for (Parameter p : core.parameters()) {
      String key = MoeParamLayout.keyOf(conf.getSpec().prefix(), p.name());
      INDArray value = params.get(key);
      INDArray grad;
      if (gradientViews != null) {
        grad = gradientViews.get(key);
      } else {
        if (ownGrads[i] == null) {
          try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            ownGrads[i] = Nd4j.zeros(value.dataType(), value.shape());
          }
        }
        grad = ownGrads[i];
      }
      p.setTrainable(true);
      p.bind(value, grad);
      p.setTrainable(conf.isTrainableParam(key));
      i++;
    }
  }

  @Override
  public void setParamTable(Map<String, INDArray> paramTable) {
    super.setParamTable(paramTable);
    bindAll();
  }

  @Override
  public void setBackpropGradientsViewArray(INDArray gradients) {
    super.setBackpropGradientsViewArray(gradients);
    ownGrads = null;
    bindAll();
  }

  @Override
  public void setInputMiniBatchSize(int size) {
    this.networkMiniBatch = size;
  }

  @Override
  public int getInputMiniBatchSize() {
    return networkMiniBatch > 0 ? networkMiniBatch : super.getInputMiniBatchSize();
  }

  @Override
  public Type type() {
    return Type.FEED_FORWARD;
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  @Override
  public boolean hasBias() {
    return false;
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    MoeFfnLayer conf = layerConf();
    MoeLayer m = core();
    INDArray out;
    try (MemoryWorkspace ignored = forwardScope(workspaceMgr)) {
      TokenRows tokens = TokenRows.of(
          input, maskArray, conf.moeConfig().dModel(), conf.isModalityInput(),
          conf.getSpec().modalities(), conf.tokenModality(), dataType);
      if (tokens.rows.length == 0) { // all padding: no tokens, no routing, no losses
        out = Nd4j.zeros(dataType, tokens.inputRows, conf.moeConfig().dModel());
        lastForwardRouted = false;
      } else {
        INDArray y = m.forward(tokens.x, tokens.modalities);
        out = tokens.scatter(y, conf.moeConfig().dModel(), dataType);
        lastForwardRouted = conf.getPhase().routes();
      }
      lastTokens = tokens;
    }
    return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, out);
  }

  /**
   * Where the core's forward arrays go: DL4J's activations workspace, which lives until the
   * network's backward pass has finished (DL4J keeps every layer's activations there for
   * backpropagation), or outside workspaces when the network runs without them.
   */
  private static MemoryWorkspace forwardScope(LayerWorkspaceMgr workspaceMgr) {
    if (!workspaceMgr.isScopedOut(ArrayType.ACTIVATIONS)
        && workspaceMgr.isWorkspaceOpen(ArrayType.ACTIVATIONS)) {
      return workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATIONS);
    }
    return Nd4j.getWorkspaceManager().scopeOutOfWorkspaces();
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    if (lastTokens == null) {
      throw new IllegalStateException("MoE layer " + layerId() + ": backprop before a forward pass");
    }
    MoeFfnLayer conf = layerConf();
    MoeLayer m = core();
    if (gradientsFlattened != null) {
      gradientsFlattened.assign(0);
    } else {
      for (INDArray g : ownGrads) {
        g.assign(0);
      }
    }
    double scale = conf().isMiniBatch() ? Math.max(1, getInputMiniBatchSize()) : 1.0;
    INDArray dxFull;
    // Backward's temporary arrays go to the caller's scope (DL4J's backprop working memory).
    {
      if (lastTokens.rows.length == 0) {
        dxFull = Nd4j.zeros(dataType, lastTokens.inputRows, conf.inputWidth());
        return new Pair<>(viewGradient(), workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, dxFull));
      }
      INDArray dy = lastTokens.gather(epsilon, dataType);
      dy.divi(scale);
      INDArray dx = m.backward(dy);
      dx.muli(scale);
      if (gradientsFlattened != null) {
        gradientsFlattened.muli(scale);
      } else {
        for (INDArray g : ownGrads) {
          g.muli(scale);
        }
      }
      dxFull = lastTokens.scatter(dx, (int) conf.inputWidth(), dataType);
    }
    return new Pair<>(viewGradient(), workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, dxFull));
  }

  /** The gradient views, in parameter order (DL4J reads the gradients from them). */
  private Gradient viewGradient() {
    Gradient ret = new DefaultGradient();
    if (gradientViews != null) {
      for (Map.Entry<String, INDArray> e : gradientViews.entrySet()) {
        ret.gradientForVariable().put(e.getKey(), e.getValue());
      }
    }
    return ret;
  }

  /**
   * DL4J's regularisation terms of the trainable parameters plus this layer's weighted
   * load-balancing and z-loss of the last forward pass ({@link MoeLayer#weightedLoss()}; 0 before
   * the first forward and in phase EVOLUTION, which does not route).
   */
  @Override
  public double calcRegularizationScore(boolean backpropParamsOnly) {
    double r = super.calcRegularizationScore(backpropParamsOnly);
    if (core != null && lastTokens != null && lastForwardRouted) {
      r += core.weightedLoss();
    }
    return r;
  }

  /** The weighted auxiliary loss of the last forward pass (0 before any). */
  public double lastAuxiliaryLoss() {
    return core != null && lastTokens != null && lastForwardRouted ? core.weightedLoss() : 0.0;
  }

  @Override
  public void clearNoiseWeightParams() {
    // No weight noise.
  }
}
