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
 * The paper's modality linear router (ablation): one matrix W^m [E, d] per modality, logits_t =
 * W^{m(t)} x_t. Parameters {@code <prefix>.<name>.weight}, one per modality of its {@link
 * Modalities} in id order ({@code <prefix>.image.weight}, {@code <prefix>.text.weight} for the
 * default set).
 *
 * <p>Forward gathers each modality's token rows into a contiguous block, runs one gemm per
 * modality present and scatters the logits back; a modality absent from the batch is skipped and
 * its weight receives no gradient contribution. A single-modality batch needs no gather.
 */
public final class ModalityLinearRouter implements Router {
  private final int dModel;
  private final int numExperts;
  private final Modalities modalities;
  private final Linear[] proj; // per modality id: [E, d], no bias

  // Cached by forward:
  private ModalityGroups groups;

  /**
   * A router for the default modalities {@link Modalities#IMAGE_TEXT}.
   *
   * @see #ModalityLinearRouter(String, int, int, Modalities, DataType, SplittableRandom)
   */
  public ModalityLinearRouter(
      String prefix, int dModel, int numExperts, DataType type, SplittableRandom rng) {
    this(prefix, dModel, numExperts, Modalities.IMAGE_TEXT, type, rng);
  }

  /**
   * @param prefix parameter prefix, e.g. {@code model.layers.0.mlp.gate}
   * @param dModel d
   * @param numExperts E
   * @param modalities one matrix per modality, {@code <prefix>.<name>.weight}
   * @param rng initialisation: every W^m ~ N(0, 1/d), drawn in id order
   */
  public ModalityLinearRouter(String prefix, int dModel, int numExperts, Modalities modalities,
      DataType type, SplittableRandom rng) {
    this.dModel = Shapes.positive(prefix + " dModel", dModel);
    this.numExperts = Shapes.positive(prefix + " numExperts", numExperts);
    if (modalities == null) {
      throw new IllegalArgumentException(prefix + ": modalities must not be null");
    }
    this.modalities = modalities;
    this.proj = new Linear[modalities.count()];
    for (Modality m : modalities.all()) {
      proj[m.id()] = new Linear(prefix + "." + m.name(), dModel, numExperts, false, type, rng);
    }
  }

  /** The modalities, one matrix each. */
  @Override
  public Modalities modalities() {
    return modalities;
  }

  private Linear proj(Modality m) {
    if (!modalities.contains(m)) {
      throw new IllegalArgumentException(m + " is not a modality of this router, whose modalities are "
          + modalities.describe());
    }
    return proj[m.id()];
  }

  @Override
  public int inputDim() {
    return dModel;
  }

  @Override
  public int numExperts() {
    return numExperts;
  }

  /** W^m [E, d], the weight used for tokens of modality {@code m}. */
  public Parameter weight(Modality m) {
    return proj(m).weight();
  }

  /**
   * @param x tokens [T, d]
   * @param modalities T tags
   * @return logits [T, E]
   */
  @Override
  public INDArray forward(INDArray x, Modality[] modalities) {
    Shapes.requireMatrix("modality linear router input", x, dModel);
    this.modalities.validate(modalities, x.size(0));
    INDArray xc = x.isView() || x.ordering() != 'c' ? x.dup('c') : x;
    ModalityGroups g = ModalityGroups.of(modalities, this.modalities);
    int t = g.tokens();
    INDArray logits = g.map(xc, numExperts, (m, rows) -> proj(m).forward(rows));
    this.groups = g;
    return logits;
  }

  /**
   * @param dLogits [T, E]
   * @return dx [T, d]; accumulates dW^m = dLogits_m^T x_m for each modality present (when
   *     trainable)
   */
  @Override
  public INDArray backward(INDArray dLogits) {
    Shapes.requireForward("ModalityLinearRouter", groups);
    int t = groups.tokens();
    Shapes.requireShape("modality linear router logit gradient", dLogits, t, numExperts);
    INDArray dl = dLogits.isView() || dLogits.ordering() != 'c' ? dLogits.dup('c') : dLogits;
    return groups.map(dl, dModel, (m, rows) -> proj(m).backward(rows));
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>(proj.length);
    for (Linear l : proj) {
      ps.add(l.weight());
    }
    return Collections.unmodifiableList(ps);
  }
}
