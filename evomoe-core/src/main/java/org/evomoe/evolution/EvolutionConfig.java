package org.evomoe.evolution;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Configuration of {@link ExpertEvolution}.
 *
 * <p>Default ranges ({@link #paperDefaults}): the paper gives them for {@code N = 4} experts,
 * expert 2: [0.90, 0.99], expert 3: [0.80, 0.89], expert 4: [0.70, 0.79]. Other {@code N} continue
 * the same pattern of bands 0.1 apart, expert {@code n} drawing from {@code [1 - 0.1 (n - 1), 1.09
 * - 0.1 (n - 1)]}, so {@code N = 2} uses [0.90, 0.99] and {@code N = 10} ends with expert 10 at
 * [0.10, 0.19]; beyond 10 experts the bands would leave [0, 1] and explicit ranges are required.
 * The paper reports no ranges for {@code N != 4}: those defaults are this project's choice.
 *
 * @param rule the evolution rule
 * @param ranges one beta range per evolved expert, for experts 2, 3, ..., N in that order
 * @param seed seed of the beta sampler; the same seed gives bit-identical evolved experts
 */
public record EvolutionConfig(EvolutionRule rule, List<BetaRange> ranges, long seed) {

  /** Largest expert count {@link #paperDefaults} supports. */
  public static final int MAX_DEFAULT_EXPERTS = 10;

  public EvolutionConfig {
    Objects.requireNonNull(rule, "evolution rule");
    Objects.requireNonNull(ranges, "beta ranges");
    if (ranges.isEmpty()) {
      throw new IllegalArgumentException(
          "expert evolution needs at least one evolved expert (N >= 2), got no beta ranges");
    }
    for (int i = 0; i < ranges.size(); i++) {
      BetaRange r = Objects.requireNonNull(ranges.get(i), "beta range " + i);
      if (r.expert() != i + 2) {
        throw new IllegalArgumentException(
            "beta range at position "
                + i
                + " is for expert "
                + r.expert()
                + ", expected expert "
                + (i + 2)
                + " (ranges list experts 2..N in order)");
      }
    }
    ranges = List.copyOf(ranges);
  }

  /** Total number of experts N, seed included. */
  public int numExperts() {
    return ranges.size() + 1;
  }

  /** The same configuration with another rule. */
  public EvolutionConfig withRule(EvolutionRule newRule) {
    return new EvolutionConfig(newRule, ranges, seed);
  }

  /**
   * {@link EvolutionRule#PARTIAL_UPDATE} with the default ranges for {@code numExperts} experts
   * (see the class comment).
   *
   * @param numExperts N, seed included, in {@code [2, 10]}
   */
  public static EvolutionConfig paperDefaults(int numExperts, long seed) {
    return new EvolutionConfig(EvolutionRule.PARTIAL_UPDATE, defaultRanges(numExperts), seed);
  }

  /** The default beta ranges for {@code numExperts} experts (see the class comment). */
  public static List<BetaRange> defaultRanges(int numExperts) {
    if (numExperts < 2 || numExperts > MAX_DEFAULT_EXPERTS) {
      throw new IllegalArgumentException(
          "default beta ranges exist for 2 to "
              + MAX_DEFAULT_EXPERTS
              + " experts, got "
              + numExperts
              + "; give explicit ranges");
    }
    List<BetaRange> out = new ArrayList<>();
    for (int n = 2; n <= numExperts; n++) {
      int shift = 10 * (n - 1);
      out.add(new BetaRange(n, (100 - shift) / 100.0, (109 - shift) / 100.0));
    }
    return out;
  }
}
