package org.evomoe.examples.model;

import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * LLaVA's vision-language projector: {@code linear_2(gelu(linear_1(v)))} mapping vision features
 * of width dVision to image-token rows of width dModel (GELU in the tanh approximation, see {@link
 * GeluMlp}).
 *
 * <p>Parameter names: {@code multi_modal_projector.linear_1.weight [dModel, dVision]}, {@code
 * .linear_1.bias [dModel]}, {@code multi_modal_projector.linear_2.weight [dModel, dModel]}, {@code
 * .linear_2.bias [dModel]}.
 */
public final class MultiModalProjector implements org.evomoe.nn.Layer {
  /** Parameter prefix. */
  public static final String PREFIX = "multi_modal_projector";

  private final GeluMlp mlp;

  public MultiModalProjector(int dVision, int dModel, DataType type, SplittableRandom rng) {
    this.mlp = new GeluMlp(PREFIX + ".linear_1", PREFIX + ".linear_2", dVision, dModel, dModel,
        type, rng);
  }

  public GeluMlp mlp() {
    return mlp;
  }

  /** Vision features [T, dVision] -> image rows [T, dModel]. */
  public INDArray forward(INDArray features) {
    return mlp.forward(features);
  }

  /** d(image rows) [T, dModel] -> d(features) [T, dVision]; accumulates both layers' gradients. */
  public INDArray backward(INDArray dRows) {
    return mlp.backward(dRows);
  }

  @Override
  public List<Parameter> parameters() {
    return mlp.parameters();
  }
}
