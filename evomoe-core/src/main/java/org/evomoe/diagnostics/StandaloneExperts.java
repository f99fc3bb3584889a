package org.evomoe.diagnostics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import org.evomoe.moe.MoeLayer;

/**
 * Standalone experts (the paper's Table 3): for each expert index i, every MoE layer sends every
 * token to its expert i alone (gate 1, router bypassed, {@link MoeLayer#forceExpert}) and the
 * metric is evaluated; the routed model is the baseline.
 *
 * <p>The baseline uses plain routing (forced experts and logit shuffling lifted). Every layer's
 * routing settings are restored afterwards, also when the metric throws. All layers must have the
 * same number of experts.
 *
 * <p>CSV table {@code experts} (main): {@code expert, score, routed_baseline, delta} with {@code
 * delta = score - routed_baseline}, one row per expert index.
 *
 * @param routedBaseline the metric with plain routing
 * @param scores the metric with every layer forced to expert i, for i = 0 .. E-1
 */
public record StandaloneExperts(double routedBaseline, double[] scores)
    implements DiagnosticReport {

  /**
   * @param layers the model's MoE layers, all with the same expert count E
   * @param metric runs the evaluation over the model and returns its score
   */
  public static StandaloneExperts run(List<MoeLayer> layers, DoubleSupplier metric) {
    if (metric == null) {
      throw new IllegalArgumentException("metric must not be null");
    }
    RoutingState saved = RoutingState.save(layers);
    int e = layers.get(0).config().numExperts();
    for (int i = 1; i < layers.size(); i++) {
      int ei = layers.get(i).config().numExperts();
      if (ei != e) {
        throw new IllegalArgumentException(
            "standalone experts need the same expert count in every layer: layer 0 has " + e
                + ", layer " + i + " has " + ei);
      }
    }
    double baseline;
    double[] scores = new double[e];
    try {
      saved.routeAll();
      baseline = metric.getAsDouble();
      for (int x = 0; x < e; x++) {
        for (MoeLayer l : layers) {
          l.forceExpert(x);
        }
        scores[x] = metric.getAsDouble();
      }
    } finally {
      saved.restore();
    }
    return new StandaloneExperts(baseline, scores);
  }

  @Override
  public Map<String, CsvTable> tables() {
    List<List<Object>> rows = new ArrayList<>();
    for (int x = 0; x < scores.length; x++) {
      rows.add(List.of(x, scores[x], routedBaseline, scores[x] - routedBaseline));
    }
    Map<String, CsvTable> t = new LinkedHashMap<>();
    t.put("experts", new CsvTable(List.of("expert", "score", "routed_baseline", "delta"), rows));
    return t;
  }
}
