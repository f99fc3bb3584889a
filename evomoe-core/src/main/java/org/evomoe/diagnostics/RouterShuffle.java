package org.evomoe.diagnostics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.evomoe.moe.MoeLayer;

/**
 * The router shuffle test: evaluate the model with plain routing, then with each token's router
 * logits randomly permuted over the experts in every MoE layer ({@link MoeLayer#setLogitShuffle}).
 * A score that barely moves means the experts are interchangeable (the paper's evidence of expert
 * uniformity in MoE-LLaVA).
 *
 * <p>Baseline and shuffled runs use plain routing: forced experts and existing shuffle settings
 * are lifted during the test and restored afterwards, also when the metric throws. For seed s,
 * a {@code SplittableRandom(s)} is split once per layer in layer order, and layer i shuffles with
 * its i-th split, so a seed gives the same permutations on every run of the same data pass.
 *
 * <p>{@code shuffledMean} and {@code shuffledStd} are over the seeds (sample standard deviation,
 * n - 1; 0 for one seed); {@code delta = shuffledMean - baseline}.
 *
 * <p>CSV tables: {@code summary} (main): {@code baseline, seeds, shuffled_mean, shuffled_std,
 * delta}; {@code runs}: {@code seed, baseline, shuffled, delta} (one row per seed).
 *
 * @param baseline the metric with plain routing
 * @param seeds the shuffle seeds, in run order
 * @param shuffled the metric under shuffling, one per seed
 */
public record RouterShuffle(
    double baseline,
    long[] seeds,
    double[] shuffled,
    double shuffledMean,
    double shuffledStd,
    double delta)
    implements DiagnosticReport {

  public RouterShuffle {
    if (seeds.length == 0 || seeds.length != shuffled.length) {
      throw new IllegalArgumentException(
          "need one shuffled score per seed and at least one seed, got " + seeds.length
              + " seeds and " + shuffled.length + " scores");
    }
  }

  /**
   * Runs {@code metric} once with plain routing and once per seed with logit shuffling on every
   * layer; restores the layers' routing settings.
   *
   * @param layers the model's MoE layers
   * @param metric runs the evaluation over the model and returns its score
   * @param seeds at least one shuffle seed
   */
  public static RouterShuffle run(List<MoeLayer> layers, DoubleSupplier metric, long... seeds) {
    if (metric == null) {
      throw new IllegalArgumentException("metric must not be null");
    }
    if (seeds == null || seeds.length == 0) {
      throw new IllegalArgumentException("the shuffle test needs at least one seed");
    }
    RoutingState saved = RoutingState.save(layers);
    double baseline;
    double[] shuffled = new double[seeds.length];
    try {
      saved.routeAll();
      baseline = metric.getAsDouble();
      for (int s = 0; s < seeds.length; s++) {
        SplittableRandom root = new SplittableRandom(seeds[s]);
        for (MoeLayer l : layers) {
          l.setLogitShuffle(root.split());
        }
        shuffled[s] = metric.getAsDouble();
      }
    } finally {
      saved.restore();
    }
    double mean = 0;
    for (double v : shuffled) {
      mean += v / shuffled.length;
    }
    double var = 0;
    for (double v : shuffled) {
      var += (v - mean) * (v - mean);
    }
    double std = shuffled.length > 1 ? Math.sqrt(var / (shuffled.length - 1)) : 0.0;
    return new RouterShuffle(baseline, seeds.clone(), shuffled, mean, std, mean - baseline);
  }

  @Override
  public Map<String, CsvTable> tables() {
    List<List<Object>> runs = new ArrayList<>();
    for (int s = 0; s < seeds.length; s++) {
      runs.add(List.of(seeds[s], baseline, shuffled[s], shuffled[s] - baseline));
    }
    Map<String, CsvTable> t = new LinkedHashMap<>();
    t.put("summary", new CsvTable(List.of("baseline", "seeds", "shuffled_mean", "shuffled_std",
        "delta"), List.of(List.of(baseline, seeds.length, shuffledMean, shuffledStd, delta))));
    t.put("runs", new CsvTable(List.of("seed", "baseline", "shuffled", "delta"), runs));
    return t;
  }
}
