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
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayerSpec;
import org.evomoe.router.Modalities;
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
 * <p>The layer is described by one {@link MoeLayerSpec} (sizes, routing and router kind,
 * modalities, DTR options, Stage II evolution settings, data type), the same record the core
 * builds and saves layers from; this configuration adds only what is DL4J's: the training phase
 * and where each token's modality comes from. The spec's data type must be the network's.
 *
 * <p>The parameters live in DL4J's flattened parameter and gradient arrays under the core names
 * without the spec's prefix and in camel case ({@code gate.weight}, {@code
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
  private MoeLayerSpec spec;
  private MoeTrainingPhase phase = MoeTrainingPhase.ROUTED;
  private boolean modalityInput;
  private Modality modality; // null: TEXT

  // Derived from the fields above on first use; never serialised.
  private transient volatile MoeParamLayout layout;

  /** For JSON deserialisation only. */
  public MoeFfnLayer() {}

  private MoeFfnLayer(Builder b) {
    super(b);
    this.spec = b.spec;
    this.phase = b.phase;
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
    if (spec == null) {
      throw new IllegalArgumentException("MoE layer needs its MoeLayerSpec (spec)");
    }
    if (phase == null) {
      throw new IllegalArgumentException("MoE layer phase must not be null");
    }
    if (phase == MoeTrainingPhase.EVOLUTION && spec.evolution() == null) {
      throw new IllegalArgumentException(
          "phase EVOLUTION needs the spec's evolution settings (MoeLayerSpec.Builder.paperEvolution"
              + " or evolution)");
    }
    if (!modalityInput) {
      Modality m = tokenModality();
      if (!spec.modalities().contains(m)) {
        throw new IllegalArgumentException("the tokens' modality " + m.name() + " (id " + m.id()
            + ") is not one of the spec's modalities " + spec.modalities().describe()
            + ": set modality(...) or modalityInput(true)");
      }
    }
  }

  /** The layer: sizes, routing, modalities, DTR options, evolution settings, data type. */
  public MoeLayerSpec getSpec() {
    return spec;
  }

  /** Setter for JSON deserialisation; {@link #validate()} checks the settings together. */
  public void setSpec(MoeLayerSpec spec) {
    this.spec = spec;
    this.layout = null;
  }

  /** Sizes and routing: {@code getSpec().config()}. */
  public MoeConfig moeConfig() {
    return spec.config();
  }

  /** The router family: {@code getSpec().config().routing().routerKind()}. */
  public RouterKind routerKind() {
    return spec.config().routing().routerKind();
  }

  /** Which parameters train, and whether the layer routes. */
  public MoeTrainingPhase getPhase() {
    return phase;
  }

  /** Setter for JSON deserialisation; {@link #validate()} checks the settings together. */
  public void setPhase(MoeTrainingPhase phase) {
    this.phase = phase;
  }

  /**
   * Whether the input's last column is each token's modality id (its position in the spec's
   * {@link Modalities}: 0 = image, 1 = text by default); the input is then {@code [batch, d +
   * 1]}. An id outside the modalities fails the forward pass, naming the row and the value.
   */
  public boolean isModalityInput() {
    return modalityInput;
  }

  /** Setter for JSON deserialisation; {@link #validate()} checks the settings together. */
  public void setModalityInput(boolean modalityInput) {
    this.modalityInput = modalityInput;
  }

  /** The modality of every token when there is no modality column, or null for TEXT. */
  public Modality getModality() {
    return modality;
  }

  /** Setter for JSON deserialisation; {@link #validate()} checks the settings together. */
  public void setModality(Modality modality) {
    this.modality = modality;
  }

  /** The modality of every token without a modality column: {@link #getModality()}, else TEXT. */
  Modality tokenModality() {
    return modality != null ? modality : Modality.TEXT;
  }

  /** Input columns: d, plus one with a modality column. */
  public long inputWidth() {
    return spec.config().dModel() + (modalityInput ? 1 : 0);
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
    if (networkDataType != spec.dataType()) {
      throw new IllegalArgumentException("MoE layer " + layerName + ": the spec's dataType is "
          + spec.dataType() + " but the network's is " + networkDataType
          + " (build the spec with .dataType(" + networkDataType + "))");
    }
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
              + (modalityInput ? " (d = " + spec.config().dModel() + " plus the modality column)" : ""));
    }
    return InputType.feedForward(spec.config().dModel());
  }

  @Override
  public void setNIn(InputType inputType, boolean override) {
    // The sizes are part of the spec; getOutputType checks them.
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
        && Objects.equals(spec, other.spec)
        && phase == other.phase
        && Objects.equals(modality, other.modality);
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), spec, phase, modalityInput, modality);
  }

  @Override
  public String toString() {
    return "MoeFfnLayer(" + layerName + ", " + spec + ", phase " + phase
        + (modalityInput ? ", modality column" : ", modality " + tokenModality()) + ")";
  }

  /** Builder; {@link #spec} is required. */
  public static class Builder extends BaseLayer.Builder<Builder> {
    private MoeLayerSpec spec;
    private MoeTrainingPhase phase = MoeTrainingPhase.ROUTED;
    private boolean modalityInput;
    private Modality modality;

    /**
     * The layer: sizes, routing and router kind, modalities, DTR options, Stage II settings and
     * data type (the network's), each given once in the spec.
     */
    public Builder spec(MoeLayerSpec spec) {
      this.spec = spec;
      return this;
    }

    /** Which parameters train (default ROUTED; EVOLUTION needs the spec's evolution settings). */
    public Builder phase(MoeTrainingPhase phase) {
      this.phase = phase;
      return this;
    }

    /** Whether the input's last column is each token's modality id (default false). */
    public Builder modalityInput(boolean modalityInput) {
      this.modalityInput = modalityInput;
      return this;
    }

    /**
     * The modality of every token when there is no modality column (default TEXT), one of the
     * spec's modalities (e.g. {@code spec.modalities().get("audio")}).
     */
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
      return new MoeFfnLayer(this);
    }
  }
}
