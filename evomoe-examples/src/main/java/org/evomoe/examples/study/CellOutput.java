package org.evomoe.examples.study;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;

/**
 * What a cell trained in another JVM ({@link CellTask}) sends back to the runner: its result as
 * the JSON of its result.json, and for Stage I the weights file every arm of the seed starts from.
 *
 * @param resultJson the {@link Stage1Result} (Stage I) or {@link CellResult} (an arm) as JSON
 * @param stage1Weights Stage I: the bytes of weights.safetensors; an arm: null
 * @param model the trained model when the cell belongs to the plan's first seed, else null
 */
public record CellOutput(String resultJson, byte[] stage1Weights, SavedModel model)
    implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();

  public CellOutput {
    if (resultJson == null || resultJson.isEmpty()) {
      throw new IllegalArgumentException("a cell's output needs its result");
    }
  }

  /** The Stage I result. */
  Stage1Result stage1() throws IOException {
    if (stage1Weights == null) {
      throw new IllegalStateException("not the output of a Stage I cell (no weights)");
    }
    return JSON.readValue(resultJson, Stage1Result.class);
  }

  /** The arm's result. */
  CellResult cell() throws IOException {
    return JSON.readValue(resultJson, CellResult.class);
  }
}
