package org.evomoe.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomoe.tensor.FrozenWeights;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Parameters to and from a safetensors file, by their stable names (float32 on disk). */
public final class ModelWeights {
  private ModelWeights() {}

  /** Writes every parameter's value as F32, atomically. */
  public static void save(Path file, List<Parameter> parameters, Map<String, String> metadata)
      throws IOException {
    Map<String, INDArray> arrays = new LinkedHashMap<>();
    for (Parameter p : parameters) {
      if (arrays.put(p.name(), p.value()) != null) {
        throw new IllegalArgumentException("two parameters are named " + p.name());
      }
    }
    Safetensors.writeArrays(file, arrays, metadata, Dtype.F32);
  }

  /**
   * Reads {@code file} and copies each tensor into the parameter of the same name. The file must
   * hold exactly the parameters' names and shapes; nothing is copied unless it does.
   *
   * @throws TensorSetMismatchException naming missing, extra and mis-shaped tensors
   * @throws CheckpointFormatException for a damaged file
   * @throws IllegalStateException inside a {@link FrozenWeights} scope
   */
  public static SafetensorsFile load(Path file, List<Parameter> parameters, LoadOptions options)
      throws IOException {
    FrozenWeights.requireUnfrozen("loading " + file);
    SafetensorsFile f = Safetensors.read(file, options);
    Map<String, long[]> expected = new LinkedHashMap<>();
    for (Parameter p : parameters) {
      expected.put(p.name(), p.value().shape());
    }
    f.checkTensors(expected);
    for (Parameter p : parameters) {
      INDArray loaded = f.tensor(p.name()).toINDArray();
      p.value().assign(loaded.castTo(p.value().dataType()));
    }
    return f;
  }
}
