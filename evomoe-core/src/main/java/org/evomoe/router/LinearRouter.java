package org.evomoe.router;

import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.nn.Linear;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * MoE-LLaVA's router: logits = x W^T, W [E, d], one matrix for all modalities. The tags are
 * checked against its {@link Modalities} and otherwise ignored.
 */
public final class LinearRouter implements Router {
  private final Linear proj;
  private final Modalities modalities;

  /**
   * A router for the default modalities {@link Modalities#IMAGE_TEXT}.
   *
   * @param name parameter prefix, e.g. {@code model.layers.0.mlp.gate} (weight [E, d])
   * @param rng initialisation: W ~ N(0, 1/d)
   */
  public LinearRouter(String name, int dModel, int numExperts, DataType type, SplittableRandom rng) {
    this(name, dModel, numExperts, Modalities.IMAGE_TEXT, type, rng);
  }

  /**
   * @param name parameter prefix, e.g. {@code model.layers.0.mlp.gate} (weight [E, d])
   * @param modalities the tags it accepts (its weight does not depend on them)
   * @param rng initialisation: W ~ N(0, 1/d)
   */
  public LinearRouter(String name, int dModel, int numExperts, Modalities modalities, DataType type,
      SplittableRandom rng) {
    if (modalities == null) {
      throw new IllegalArgumentException(name + ": modalities must not be null");
    }
    this.proj = new Linear(name, dModel, numExperts, false, type, rng);
    this.modalities = modalities;
  }

  @Override
  public Modalities modalities() {
    return modalities;
  }

  @Override
  public int inputDim() {
    return proj.in();
  }

  @Override
  public int numExperts() {
    return proj.out();
  }

  public Parameter weight() {
    return proj.weight();
  }

  @Override
  public INDArray forward(INDArray x, Modality[] modalities) {
    this.modalities.validate(modalities, x.size(0));
    return proj.forward(x);
  }

  @Override
  public INDArray backward(INDArray dLogits) {
    return proj.backward(dLogits);
  }

  @Override
  public List<Parameter> parameters() {
    return proj.parameters();
  }
}
