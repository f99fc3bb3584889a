package org.evomoe.router;

import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.nn.Linear;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** MoE-LLaVA's router: logits = x W^T, W [E, d], one matrix for all modalities. */
public final class LinearRouter implements Router {
  private final Linear proj;

  /**
   * @param name parameter prefix, e.g. {@code model.layers.0.mlp.gate} (weight [E, d])
   * @param rng initialisation: W ~ N(0, 1/d)
   */
  public LinearRouter(String name, int dModel, int numExperts, DataType type, SplittableRandom rng) {
    this.proj = new Linear(name, dModel, numExperts, false, type, rng);
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
    Modality.validate(modalities, x.size(0));
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
