package org.evomoe.diagnostics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.RoutingRecord;
import org.evomoe.router.Modalities;
import org.evomoe.router.Modality;

/**
 * How decided the router is and how evenly it uses its experts, per layer; dead experts.
 *
 * <ul>
 *   <li>Mean token entropy: {@code 1/T sum_t H(p_t)}, {@code H(p) = -sum_e p_e ln p_e} (nats) of
 *       each token's router softmax; 0 for one-hot routing, {@code ln E} for uniform logits. Also
 *       per modality.
 *   <li>Load entropy: {@code H(s)} of the load distribution {@code s_e = assignments to e / all
 *       assignments} (every top-k assignment counts); {@code ln E} when perfectly balanced.
 *   <li>Dead experts: experts with no assignment at all, or, for a threshold {@code tau > 0},
 *       with a load share {@code s_e < tau}. The default threshold 0 reports only experts that
 *       received no token.
 * </ul>
 *
 * <p>Forced forwards count with their one-hot probabilities (entropy 0).
 *
 * <p>CSV tables: {@code layers} (main): {@code layer, experts, tokens, mean_token_entropy,
 * mean_token_entropy_<modality>} (one column per modality of the layers' {@link
 * org.evomoe.router.Modalities}, by its lower-case name in id order, NaN when the modality did not
 * occur in a layer){@code , max_entropy, load_entropy, dead_count, dead_experts}
 * (expert indices joined by {@code ;}); {@code experts}: {@code layer, expert, assignments, share,
 * dead}.
 *
 * @param deadThreshold the load share under which an expert counts as dead (0: no token at all)
 * @param layers one entry per MoE layer, in layer order
 */
public record RoutingEntropy(double deadThreshold, List<LayerEntropy> layers)
    implements DiagnosticReport {

  /**
   * @param tokens tokens routed through the layer during the pass
   * @param meanTokenEntropy mean over tokens of the softmax entropy, nats
   * @param modalities the layer's modalities, in id order
   * @param meanTokenEntropyByModality the same over each present modality's tokens
   * @param maxEntropy ln E
   * @param assignments assignments per expert [E]
   * @param loadShares assignments per expert / all assignments [E]
   * @param loadEntropy entropy of loadShares, nats
   * @param deadExperts indices of dead experts, ascending
   */
  public record LayerEntropy(
      int layer,
      int numExperts,
      long tokens,
      double meanTokenEntropy,
      List<Modality> modalities,
      Map<Modality, Double> meanTokenEntropyByModality,
      double maxEntropy,
      long[] assignments,
      double[] loadShares,
      double loadEntropy,
      int[] deadExperts) {}

  public RoutingEntropy {
    requireThreshold(deadThreshold);
    layers = List.copyOf(layers);
  }

  /** Dead experts are those that received no token. */
  public static RoutingEntropy measure(List<MoeLayer> layers, Runnable dataPass) {
    return measure(layers, dataPass, 0.0);
  }

  /**
   * @param deadThreshold load share in [0, 1) under which an expert counts as dead; 0 = no token
   */
  public static RoutingEntropy measure(
      List<MoeLayer> layers, Runnable dataPass, double deadThreshold) {
    Collector c = collector(layers, deadThreshold);
    RoutingCapture.run(layers, dataPass, c);
    return c.result();
  }

  /** A collector for {@link RoutingCapture#run}, to share one data pass between diagnostics. */
  public static Collector collector(List<MoeLayer> layers, double deadThreshold) {
    requireThreshold(deadThreshold);
    RoutingCapture.requireLayers(layers);
    return new Collector(layers, deadThreshold);
  }

  private static void requireThreshold(double t) {
    if (!(t >= 0 && t < 1)) {
      throw new IllegalArgumentException("dead-expert threshold must be in [0, 1), got " + t);
    }
  }

  @Override
  public Map<String, CsvTable> tables() {
    List<String> cols = new ArrayList<>(List.of("layer", "experts", "tokens", "mean_token_entropy"));
    java.util.SortedSet<Modality> all = new java.util.TreeSet<>(
        java.util.Comparator.comparingInt(Modality::id).thenComparing(Modality::name));
    for (LayerEntropy l : layers) {
      all.addAll(l.modalities());
    }
    for (Modality m : all) {
      cols.add("mean_token_entropy_" + m.name());
    }
    cols.addAll(List.of("max_entropy", "load_entropy", "dead_count", "dead_experts"));
    List<List<Object>> rows = new ArrayList<>();
    List<List<Object>> experts = new ArrayList<>();
    for (LayerEntropy l : layers) {
      List<Object> row = new ArrayList<>(List.of(l.layer(), l.numExperts(), l.tokens(),
          l.meanTokenEntropy()));
      for (Modality m : all) {
        row.add(l.meanTokenEntropyByModality().getOrDefault(m, Double.NaN));
      }
      StringJoiner dead = new StringJoiner(";");
      for (int d : l.deadExperts()) {
        dead.add(Integer.toString(d));
      }
      row.addAll(List.of(l.maxEntropy(), l.loadEntropy(), l.deadExperts().length, dead.toString()));
      rows.add(row);
      for (int e = 0; e < l.numExperts(); e++) {
        boolean isDead = false;
        for (int d : l.deadExperts()) {
          isDead |= d == e;
        }
        experts.add(List.of(l.layer(), e, l.assignments()[e], l.loadShares()[e], isDead));
      }
    }
    Map<String, CsvTable> t = new LinkedHashMap<>();
    t.put("layers", new CsvTable(cols, rows));
    t.put("experts", new CsvTable(List.of("layer", "expert", "assignments", "share", "dead"),
        experts));
    return t;
  }

  /** Accumulates token entropies and expert loads per layer from routing records. */
  public static final class Collector implements RoutingObserver {
    private final int[] numExperts;
    private final Modalities[] modalities; // per layer
    private final double threshold;
    private final double[][] entropySums; // [layer][modality]
    private final long[][] tokens; // [layer][modality]
    private final long[][] assignments; // [layer][expert]

    private Collector(List<MoeLayer> layers, double threshold) {
      this.numExperts = layers.stream().mapToInt(l -> l.config().numExperts()).toArray();
      this.modalities = layers.stream().map(MoeLayer::modalities).toArray(Modalities[]::new);
      this.threshold = threshold;
      entropySums = new double[numExperts.length][];
      tokens = new long[numExperts.length][];
      assignments = new long[numExperts.length][];
      for (int l = 0; l < numExperts.length; l++) {
        entropySums[l] = new double[modalities[l].count()];
        tokens[l] = new long[modalities[l].count()];
        assignments[l] = new long[numExperts[l]];
      }
    }

    @Override
    public void observe(int layer, RoutingRecord r) {
      RecordChecks.requireRecord(layer, r, numExperts);
      RecordChecks.requireModalities(layer, r, modalities[layer]);
      int e = r.numExperts();
      double[] p = r.probs();
      for (int t = 0; t < r.numTokens(); t++) {
        double h = 0;
        for (int x = 0; x < e; x++) {
          double v = p[t * e + x];
          if (v > 0) {
            h -= v * Math.log(v);
          }
        }
        int m = r.modality(t).id();
        entropySums[layer][m] += h;
        tokens[layer][m]++;
      }
      for (int a : r.experts()) {
        assignments[layer][a]++;
      }
    }

    /**
     * The entropies and dead experts of everything observed so far.
     *
     * @throws IllegalStateException when a layer saw no token
     */
    public RoutingEntropy result() {
      List<LayerEntropy> out = new ArrayList<>();
      for (int l = 0; l < numExperts.length; l++) {
        RecordChecks.requireTokens(l, tokens[l]);
        long n = 0;
        double sum = 0;
        Map<Modality, Double> byModality = new LinkedHashMap<>();
        for (Modality m : modalities[l].all()) {
          long nm = tokens[l][m.id()];
          if (nm > 0) {
            byModality.put(m, entropySums[l][m.id()] / nm);
            n += nm;
            sum += entropySums[l][m.id()];
          }
        }
        long[] a = assignments[l].clone();
        double[] shares = Distributions.normalise(a);
        List<Integer> dead = new ArrayList<>();
        for (int e = 0; e < a.length; e++) {
          if (a[e] == 0 || shares[e] < threshold) {
            dead.add(e);
          }
        }
        out.add(new LayerEntropy(l, numExperts[l], n, sum / n, modalities[l].all(),
            Collections.unmodifiableMap(byModality), Math.log(numExperts[l]), a, shares,
            Distributions.entropy(shares), dead.stream().mapToInt(Integer::intValue).toArray()));
      }
      return new RoutingEntropy(threshold, out);
    }
  }
}
