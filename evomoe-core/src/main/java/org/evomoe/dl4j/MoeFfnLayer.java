package org.evomoe.dl4j;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.conf.preprocessor.RnnToFeedForwardPreProcessor;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.evomoe.evolution.EvolutionConfig;
import org.evomoe.moe.MoeConfig;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.Modality;
import org.evomoe.router.RouterKind;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * DL4J layer configuration of a sparse MoE FFN (SwiGLU experts, top-k routing) wrapping the core
 * {@link org.evomoe.moe.MoeLayer}: input {@code [batch, d]} (or {@code [batch, d + 1]} with a
 * {@linkplain Builder#modalityInput modality column}), output {@code [batch, d]}. Recurrent input
 * {@code [batch, d, time]} is flattened to tokens by DL4J's {@code RnnToFeedForwardPreProcessor}
 * when the network is given its input type.
 *
 * <p>The parameters live in DL4J's flattened parameter and gradient arrays under the core names
 * without the block prefix and in camel case ({@code gate.weight}, {@code
 * experts.0.gateProj.weight}, ...; DL4J reserves the underscore), so DL4J
 * updaters, listeners, {@code fit}, evaluation, {@code ModelSerializer} and the JSON configuration
 * work unchanged. The load-balancing and z-losses ({@code auxLossWeight * L_aux + zLossWeight *
 * L_z} of the last forward pass) are part of the network's score (through {@code
 * calcRegularizationScore}) and of its gradient.
 *
 * <p>Not used by this layer: activation functions (the experts are SwiGLU), weight
 * initialisation schemes (the core's seeded scheme initialises, drawing its seed from DL4J's
 * random generator, i.e. the network seed), dropout and weight noise (rejected when the network is
 * built).
 */
public class MoeFfnLayer extends BaseLayer {
  /** Prefix of the core parameter names; DL4J parameter keys are the names without it. */
  static final String CORE_PREFIX = "mlp";

  private MoeConfig moe;
  private DtrConfig dtr;
  private MoeTrainingPhase phase = MoeTrainingPhase.ROUTED;
  private EvolutionConfig evolution;
  private boolean modalityInput;
  private Modality modality = Modality.TEXT;

  // Derived from the fields above on first use; never serialised.
  private transient volatile MoeParamLayout layout;

  /** For JSON deserialisation only. */
  public MoeFfnLayer() {}

  private MoeFfnLayer(Builder b) {
    super(b);
    this.moe = b.moe;
    this.dtr = b.dtr;
    this.phase = b.phase;
    this.evolution = b.evolution;
    this.modalityInput = b.modalityInput;
    this.modality = b.modality;
    validate();
    initializeConstraints(b);
  }

  /**
   * Checks the settings together.
   *
   * @throws IllegalArgumentException naming the first inconsistent setting
   */
  public void validate() {
    if (moe == null) {
      throw new IllegalArgumentException("MoE layer needs its MoeConfig (moe)");
    }
    if (phase == null) {
      throw new IllegalArgumentException("MoE layer phase must not be null");
    }
    if (modality == null) {
      throw new IllegalArgumentException("MoE layer default modality must not be null");
    }
    RouterKind router = moe.routing().routerKind();
    if (router == RouterKind.DTR) {
      if (dtr == null) {
        throw new IllegalArgumentException("the DTR router needs its DtrConfig (dtr)");
      }
      if (dtr.dModel() != moe.dModel() || dtr.numExperts() != moe.numExperts()) {
        throw new IllegalArgumentException(
            "DtrConfig is for d=" + dtr.dModel() + ", E=" + dtr.numExperts()
                + " but the MoE layer has d=" + moe.dModel() + ", E=" + moe.numExperts());
      }
    } else if (dtr != null) {
      throw new IllegalArgumentException("a DtrConfig was given for router kind " + router);
    }
    if (phase == MoeTrainingPhase.EVOLUTION) {
      if (evolution == null) {
        throw new IllegalArgumentException("phase EVOLUTION needs an EvolutionConfig (evolution)");
      }
    }
    if (evolution != null && evolution.numExperts() != moe.numExperts()) {
      throw new IllegalArgumentException(
          "EvolutionConfig grows N=" + evolution.numExperts() + " experts but the MoE layer has E="
              + moe.numExperts());
    }
  }

  /** Sizes and routing: top-k, renormalisation, loss weights and router kind. */
  public MoeConfig getMoe() {
    return moe;
  }

  /** Setter for JSON deserialisation; {@link #validate()} checks the settings together. */
  public void setMoe(MoeConfig moe) {
    this.moe = moe;
    this.layout = null;
  }

  /** The router family: {@code getMoe().routing().routerKind()}. */
  public RouterKind routerKind() {
    return moe.routing().routerKind();
  }

  /** The DTR's configuration (router kind DTR), else null. */
  public DtrConfig getDtr() {
    return dtr;
  }

  /** Setter for JSON deserialisation; {@link #validate()} checks the settings together. */
  public void setDtr(DtrConfig dtr) {
    this.dtr = dtr;
    this.layout = null;
  }

  /** Which parameters train, and whether the layer routes. */
  public MoeTrainingPhase getPhase() {
    return phase;
  }

  /** Setter for JSON deserialisation; {@link #validate()} checks the settings together. */
  public void setPhase(MoeTrainingPhase phase) {
    this.phase = phase;
  }

  /** Expert evolution settings (required in phase EVOLUTION), or null. */
  public EvolutionConfig getEvolution() {
    return evolution;
  }

  /** Setter for JSON deserialisation; {@link #validate()} checks the settings together. */
  public void setEvolution(EvolutionConfig evolution) {
    this.evolution = evolution;
  }

  /**
   * Whether the input's last column is each token's modality (its {@code Modality} ordinal, 0 =
   * IMAGE, 1 = TEXT); the input is then {@code [batch, d + 1]}.
   */
  public boolean isModalityInput() {
    return modalityInput;
  }

  /** Setter for JSON deserialisation; {@link #validate()} checks the settings together. */
  public void setModalityInput(boolean modalityInput) {
    this.modalityInput = modalityInput;
  }

  /** The modality of every token when there is no modality column. */
  public Modality getModality() {
    return modality;
  }

  /** Setter for JSON deserialisation; {@link #validate()} checks the settings together. */
  public void setModality(Modality modality) {
    this.modality = modality;
  }

  /** Input columns: d, plus one with a modality column. */
  public long inputWidth() {
    return moe.dModel() + (modalityInput ? 1 : 0);
  }

  /** The parameter keys, shapes and roles (derived from the settings, cached). */
  MoeParamLayout layout() {
    MoeParamLayout l = layout;
    if (l == null) {
      validate();
      l = MoeParamLayout.of(this);
      layout = l;
    }
    return l;
  }

  /** Whether the parameter with this key trains in this layer's phase. */
  public boolean isTrainableParam(String key) {
    MoeParamLayout.Slot s = layout().slot(key);
    return s.expert() < 0 ? phase.trainsRouter() : phase.trainsExpert(s.expert());
  }

  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> trainingListeners,
      int layerIndex,
      INDArray layerParamsView,
      boolean initializeParams,
      DataType networkDataType) {
    validate();
    if (iDropout != null) {
      throw new IllegalArgumentException(
          "MoE layer " + layerName + ": dropout is not supported (got " + iDropout + ")");
    }
    if (weightNoise != null) {
      throw new IllegalArgumentException(
          "MoE layer " + layerName + ": weight noise is not supported (got " + weightNoise + ")");
    }
    MoeFfnLayerImpl ret = new MoeFfnLayerImpl(conf, networkDataType);
    ret.setListeners(trainingListeners);
    ret.setIndex(layerIndex);
    ret.setParamsViewArray(layerParamsView);
    Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
    ret.setParamTable(paramTable);
    ret.setConf(conf);
    return ret;
  }

  @Override
  public ParamInitializer initializer() {
    return MoeFfnParamInitializer.INSTANCE;
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    if (inputType == null
        || (inputType.getType() != InputType.Type.FF && inputType.getType() != InputType.Type.RNN)) {
      throw new IllegalStateException(
          "MoE layer " + layerName + " (index " + layerIndex
              + "): expected feed-forward or recurrent input, got " + inputType);
    }
    long size = inputType.getType() == InputType.Type.FF
        ? ((InputType.InputTypeFeedForward) inputType).getSize()
        : ((InputType.InputTypeRecurrent) inputType).getSize();
    if (size != inputWidth()) {
      throw new IllegalStateException(
          "MoE layer " + layerName + " (index " + layerIndex + "): input has " + size
              + " features but the layer takes " + inputWidth()
              + (modalityInput ? " (d = " + moe.dModel() + " plus the modality column)" : ""));
    }
    return InputType.feedForward(moe.dModel());
  }

  @Override
  public void setNIn(InputType inputType, boolean override) {
    // The sizes are part of the MoeConfig; getOutputType checks them.
  }

  @Override
  public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
    if (inputType != null && inputType.getType() == InputType.Type.RNN) {
      return new RnnToFeedForwardPreProcessor(((InputType.InputTypeRecurrent) inputType).getFormat());
    }
    return null;
  }

  @Override
  public List<Regularization> getRegularizationByParam(String paramName) {
    if (!isTrainableParam(paramName)) {
      return null;
    }
    return layout().slot(paramName).bias() ? regularizationBias : regularization;
  }

  @Override
  public IUpdater getUpdaterByParam(String paramName) {
    if (!isTrainableParam(paramName)) {
      return new NoOp();
    }
    if (biasUpdater != null && layout().slot(paramName).bias()) {
      return biasUpdater;
    }
    return iUpdater;
  }

  @Override
  public boolean isPretrainParam(String paramName) {
    return false;
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    InputType outputType = getOutputType(-1, inputType);
    long numParams = initializer().numParams(this);
    long updaterState = iUpdater == null ? 0 : iUpdater.stateSize(numParams);
    return new LayerMemoryReport.Builder(layerName, MoeFfnLayer.class, inputType, outputType)
        .standardMemory(numParams, updaterState)
        .workingMemory(0, 0, 0, outputType.arrayElementsPerExample())
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  @Override
  public MoeFfnLayer clone() {
    return (MoeFfnLayer) super.clone();
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof MoeFfnLayer other) || !super.equals(o)) {
      return false;
    }
    return modalityInput == other.modalityInput
        && Objects.equals(moe, other.moe)
        && Objects.equals(dtr, other.dtr)
        && phase == other.phase
        && Objects.equals(evolution, other.evolution)
        && modality == other.modality;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), moe, dtr, phase, evolution, modalityInput, modality);
  }

  @Override
  public String toString() {
    return "MoeFfnLayer(" + layerName + ", " + moe + ", phase " + phase
        + (dtr != null ? ", " + dtr : "") + (evolution != null ? ", " + evolution : "")
        + (modalityInput ? ", modality column" : ", modality " + modality) + ")";
  }

  /** Builder; {@link #moe} is required. */
  public static class Builder extends BaseLayer.Builder<Builder> {
    private MoeConfig moe;
    private RouterKind router; // null: the MoeConfig's
    private DtrConfig dtr;
    private MoeTrainingPhase phase = MoeTrainingPhase.ROUTED;
    private EvolutionConfig evolution;
    private boolean modalityInput;
    private Modality modality = Modality.TEXT;

    /** Sizes and routing (top-k, renormalisation, loss weights, router kind). */
    public Builder moe(MoeConfig moe) {
      this.moe = moe;
      return this;
    }

    /**
     * Replaces the router kind of the {@link #moe} routing at {@link #build()} (shorthand for
     * {@code moe.withRouting(moe.routing().withRouterKind(kind))}). For DTR without an explicit
     * {@link #dtr}, {@link DtrConfig#defaults} for the layer's sizes.
     */
    public Builder router(RouterKind router) {
      this.router = router;
      return this;
    }

    /** The DTR's sizes (implies router kind DTR). */
    public Builder dtr(DtrConfig dtr) {
      this.dtr = dtr;
      this.router = RouterKind.DTR;
      return this;
    }

    /** Which parameters train (default ROUTED). */
    public Builder phase(MoeTrainingPhase phase) {
      this.phase = phase;
      return this;
    }

    /** Expert evolution settings (needed in phase EVOLUTION). */
    public Builder evolution(EvolutionConfig evolution) {
      this.evolution = evolution;
      return this;
    }

    /** Whether the input's last column is each token's modality ordinal (default false). */
    public Builder modalityInput(boolean modalityInput) {
      this.modalityInput = modalityInput;
      return this;
    }

    /** The modality of every token when there is no modality column (default TEXT). */
    public Builder modality(Modality modality) {
      this.modality = modality;
      return this;
    }

    /** Not supported: the experts are SwiGLU FFNs. */
    @Override
    public Builder activation(IActivation activationFunction) {
      throw new UnsupportedOperationException("the MoE layer has no activation setting (SwiGLU experts)");
    }

    /** Not supported: the experts are SwiGLU FFNs. */
    @Override
    public Builder activation(Activation activation) {
      throw new UnsupportedOperationException("the MoE layer has no activation setting (SwiGLU experts)");
    }

    @Override
    @SuppressWarnings("unchecked")
    public MoeFfnLayer build() {
      if (moe != null && router != null) {
        moe = moe.withRouting(moe.routing().withRouterKind(router));
      }
      if (moe != null && moe.routing().routerKind() == RouterKind.DTR && dtr == null) {
        dtr = DtrConfig.defaults(moe.dModel(), moe.numExperts());
      }
      return new MoeFfnLayer(this);
    }
  }
}
