package org.evomoe.router;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.nn.Linear;
import org.evomoe.nn.Shapes;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * EvoMoE's Dynamic Token-aware Router (DTR). Each token z_t is transformed by weights generated
 * for it by the hypernetwork of its modality, then a linear layer shared by all modalities maps
 * the result to expert logits:
 *
 * <pre>
 *   hidden_t = act(z_t W1^T + b1)                       (h)       H^{m(t)}, layer 1
 *   Theta_t  = hidden_t W2^T + b2                       (2 r d + m r), layer 2
 *   a_t = Theta_down,t z_t                              (2r)      Theta_down [2r, d]
 *   b_t = silu(a_t[0..r)) * a_t[r..2r)                  (r)       SwiGLU
 *   e_t = Theta_up,t b_t                                (m)       Theta_up [m, r]
 *   logits_t = e_t phi_W^T (+ phi_b)                    (E)       phi, shared
 * </pre>
 *
 * Parameters, in this order: for each modality of its {@link Modalities}, in id order, {@code
 * <prefix>.hyper.<modality>.fc1.weight} [h, d], {@code .fc1.bias} [h], {@code .fc2.weight} [2 r d
 * + m r, h], {@code .fc2.bias} [2 r d + m r]; then {@code <prefix>.phi.weight} [E, m] and, with
 * {@link DtrConfig#phiBias()}, {@code <prefix>.phi.bias} [E]. Theta_t's layout: Theta_down
 * row-major first (rows 0..r-1 the SwiGLU gate, r..2r-1 its up half), then Theta_up row-major.
 *
 * <p>Tokens are grouped by modality; each hypernetwork runs on its modality's contiguous block.
 * By default ({@link ThetaContraction#CONTRACTED}) the per-token weights Theta_down are never
 * built: z is contracted with W2 first (one gemm) and then with each token's hidden vector. A
 * modality absent from the batch is skipped and its hypernetwork receives no gradient.
 */
public final class DynamicTokenRouter implements Router {
  private final DtrConfig config;
  private final int dModel;
  private final int numExperts;
  private final Modalities modalities;
  private final ModalityHypernetwork[] hyper; // per modality id
  private final Linear phi; // [E, m] (+ [E])

  // Cached by forward:
  private ModalityGroups groups;

  /**
   * A router for the default modalities {@link Modalities#IMAGE_TEXT} (hypernetworks {@code
   * hyper.image}, {@code hyper.text}).
   *
   * @see #DynamicTokenRouter(String, int, int, Modalities, DtrConfig, DataType, SplittableRandom)
   */
  public DynamicTokenRouter(String prefix, int dModel, int numExperts, DtrConfig config,
      DataType type, SplittableRandom rng) {
    this(prefix, dModel, numExperts, Modalities.IMAGE_TEXT, config, type, rng);
  }

  /**
   * @param prefix parameter prefix, e.g. {@code model.layers.0.mlp.gate}
   * @param dModel d, the token width
   * @param numExperts E, the number of logits
   * @param modalities one hypernetwork per modality, {@code <prefix>.hyper.<name>}, in id order
   * @param config r, m, h, activation, phi bias, contraction order
   * @param rng initialisation, drawn per modality in id order, then phi:
   *     W1 ~ N(0, 1/d), b1 = 0; W2's Theta_down rows ~ N(0, 1/(h d)), Theta_up rows ~ N(0, 1/(h
   *     r)), b2 = 0 (generated weights start with variance about 1/fan-in); phi_W ~ N(0, 1/m),
   *     phi_b = 0
   * @throws IllegalArgumentException for a null config or modality set, a size that is not
   *     positive, or a width too large for the kernels ({@link DtrConfig#requireFits})
   */
  public DynamicTokenRouter(String prefix, int dModel, int numExperts, Modalities modalities,
      DtrConfig config, DataType type, SplittableRandom rng) {
    if (config == null) {
      throw new IllegalArgumentException("DTR config must not be null");
    }
    if (modalities == null) {
      throw new IllegalArgumentException("DTR modalities must not be null");
    }
    if (numExperts <= 0) {
      throw new IllegalArgumentException("numExperts must be positive, got " + numExperts);
    }
    config.requireFits(dModel);
    this.config = config;
    this.dModel = dModel;
    this.numExperts = numExperts;
    this.modalities = modalities;
    this.hyper = new ModalityHypernetwork[modalities.count()];
    for (Modality m : modalities.all()) {
      hyper[m.id()] = new ModalityHypernetwork(prefix + ".hyper." + m.name(), dModel, config, type, rng);
    }
    this.phi = new Linear(prefix + ".phi", config.embedDim(), numExperts, config.phiBias(), type, rng);
  }

  public DtrConfig config() {
    return config;
  }

  @Override
  public int inputDim() {
    return dModel;
  }

  @Override
  public int numExperts() {
    return numExperts;
  }

  /** The modalities, one hypernetwork each. */
  @Override
  public Modalities modalities() {
    return modalities;
  }

  private ModalityHypernetwork hyper(Modality m) {
    if (!modalities.contains(m)) {
      throw new IllegalArgumentException(m + " is not a modality of this DTR, whose modalities are "
          + modalities.describe());
    }
    return hyper[m.id()];
  }

  /** W1 [h, d] of modality {@code m}'s hypernetwork. */
  public Parameter hyperFc1Weight(Modality m) {
    return hyper(m).fc1Weight();
  }

  /** b1 [h] of modality {@code m}'s hypernetwork. */
  public Parameter hyperFc1Bias(Modality m) {
    return hyper(m).fc1Bias();
  }

  /** W2 [2 r d + m r, h] of modality {@code m}'s hypernetwork. */
  public Parameter hyperFc2Weight(Modality m) {
    return hyper(m).fc2Weight();
  }

  /** b2 [2 r d + m r] of modality {@code m}'s hypernetwork. */
  public Parameter hyperFc2Bias(Modality m) {
    return hyper(m).fc2Bias();
  }

  /** The parameters of modality {@code m}'s hypernetwork: W1, b1, W2, b2. */
  public List<Parameter> hyperParameters(Modality m) {
    return hyper(m).parameters();
  }

  /** phi's weight [E, m]. */
  public Parameter phiWeight() {
    return phi.weight();
  }

  /** phi's bias [E], or null without {@link DtrConfig#phiBias()}. */
  public Parameter phiBias() {
    return phi.bias();
  }

  /**
   * @param x tokens [T, d]
   * @param modalities T tags of this router's modalities; each token uses its modality's
   *     hypernetwork
   * @return logits [T, E]
   */
  @Override
  public INDArray forward(INDArray x, Modality[] modalities) {
    Shapes.requireMatrix("DTR input", x, dModel);
    this.modalities.validate(modalities, x.size(0));
    INDArray xc = x.isView() || x.ordering() != 'c' ? x.dup('c') : x;
    ModalityGroups g = ModalityGroups.of(modalities, this.modalities);
    int t = g.tokens();
    this.groups = g;
    if (t == 0) {
      return Nd4j.createUninitialized(xc.dataType(), 0, numExperts);
    }
    INDArray e = g.map(xc, config.embedDim(),
        (m, rows) -> hyper(m).forward(rows, config.contraction()));
    return phi.forward(e);
  }

  /**
   * @param dLogits [T, E]
   * @return dx [T, d]; accumulates the gradients of phi and of the hypernetworks of the
   *     modalities present in the last forward (trainable parameters only)
   */
  @Override
  public INDArray backward(INDArray dLogits) {
    Shapes.requireForward("DynamicTokenRouter", groups);
    int t = groups.tokens();
    Shapes.requireShape("DTR logit gradient", dLogits, t, numExperts);
    if (t == 0) {
      return Nd4j.createUninitialized(dLogits.dataType(), 0, dModel);
    }
    INDArray dl = dLogits.isView() || dLogits.ordering() != 'c' ? dLogits.dup('c') : dLogits;
    INDArray dE = phi.backward(dl);
    return groups.map(dE, dModel, (m, rows) -> hyper(m).backward(rows));
  }

  /** The packed arrays the hypernetworks keep for the current {@link org.evomoe.tensor.FrozenWeights} scope (tests). */
  List<INDArray> keptPackedArrays() {
    List<INDArray> kept = new ArrayList<>();
    for (ModalityHypernetwork hn : hyper) {
      kept.addAll(hn.keptPacked());
    }
    return kept;
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>();
    for (ModalityHypernetwork hn : hyper) {
      ps.addAll(hn.parameters());
    }
    ps.addAll(phi.parameters());
    return Collections.unmodifiableList(ps);
  }
}
