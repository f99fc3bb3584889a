package org.evomoe.examples.model;

/**
 * How {@link TokenSampler} picks the next token.
 *
 * @param temperature 0: greedy (argmax, lowest id on ties); &gt; 0: sample from softmax(logits /
 *     temperature)
 * @param topP nucleus mass in (0, 1]: sample only among the most probable tokens whose cumulative
 *     probability first reaches topP (1: no truncation); ignored when greedy
 * @param seed seed of the sampler's random stream
 */
public record SamplingConfig(double temperature, double topP, long seed) {
  public SamplingConfig {
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
    }
  }

  /** Greedy decoding. */
  public static SamplingConfig greedy() {
    return new SamplingConfig(0.0, 1.0, 0L);
  }

  /** Whether decoding is greedy. */
  public boolean isGreedy() {
    return temperature == 0.0;
  }
}
