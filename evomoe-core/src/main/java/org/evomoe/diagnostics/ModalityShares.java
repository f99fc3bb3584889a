package org.evomoe.diagnostics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.RoutingRecord;
import org.evomoe.router.Modality;

/**
 * Share of each modality's routing assignments that goes to each expert, per layer (the paper's
 * Fig. 5): near uniform when routing ignores modality, separated when experts specialise.
 *
 * <p>Every top-k assignment counts: with k = 2 a token adds one assignment to each of its two
 * experts. {@code share(m, e) = assignments of modality-m tokens to e / all assignments of
 * modality-m tokens}, so a modality's shares sum to 1 over the experts; for k = 1 it is the
 * fraction of the modality's tokens routed to e. Forced forwards count as one assignment per
 * token to the forced expert.
 *
 * <p>CSV (main table {@code shares}), one row per layer, present modality and expert, ordered by
 * layer, modality (id order), expert: {@code layer, modality, expert, modality_tokens,
 * assignments, share, expert_assignments} where {@code modality_tokens} counts the modality's
 * tokens in the layer and {@code expert_assignments} all assignments to the expert (every
 * modality).
 *
 * @param layers one entry per MoE layer, in layer order
 */
public record ModalityShares(List<LayerShares> layers) implements DiagnosticReport {

  /**
   * One layer's shares. Maps hold only the modalities that occurred, in id order (the layer's
   * {@link org.evomoe.router.Modalities}).
   *
   * @param layer index in the model's MoE layer list
   * @param numExperts E
   * @param tokens tokens per modality
   * @param assignments per modality, assignments to each expert [E]
   * @param shares per modality, share of its assignments going to each expert [E], sums to 1
   * @param expertAssignments assignments per expert over all modalities [E]
   */
  public record LayerShares(
      int layer,
      int numExperts,
      Map<Modality, Long> tokens,
      Map<Modality, long[]> assignments,
      Map<Modality, double[]> shares,
      long[] expertAssignments) {}

  public ModalityShares {
    layers = List.copyOf(layers);
  }

  /**
   * Runs {@code dataPass} once with listeners on {@code layers} and counts the assignments.
   *
   * @throws IllegalStateException when a layer saw no token during the pass
   */
  public static ModalityShares measure(List<MoeLayer> layers, Runnable dataPass) {
    Collector c = collector(layers);
    RoutingCapture.run(layers, dataPass, c);
    return c.result();
  }

  /** A collector for {@link RoutingCapture#run}, to share one data pass between diagnostics. */
  public static Collector collector(List<MoeLayer> layers) {
    return new Collector(layers);
  }

  /** The share of modality {@code m}'s assignments in layer {@code layer} going to {@code expert}. */
  public double share(int layer, Modality m, int expert) {
    double[] s = layers.get(layer).shares().get(m);
    if (s == null) {
      throw new IllegalArgumentException("layer " + layer + " saw no " + m + " token");
    }
    return s[expert];
  }

  @Override
  public Map<String, CsvTable> tables() {
    List<List<Object>> rows = new ArrayList<>();
    for (LayerShares l : layers) {
      for (Map.Entry<Modality, double[]> e : l.shares().entrySet()) {
        Modality m = e.getKey();
        for (int x = 0; x < l.numExperts(); x++) {
          rows.add(List.of(l.layer(), m, x, l.tokens().get(m), l.assignments().get(m)[x],
              e.getValue()[x], l.expertAssignments()[x]));
        }
      }
    }
    Map<String, CsvTable> t = new LinkedHashMap<>();
    t.put("shares", new CsvTable(List.of("layer", "modality", "expert", "modality_tokens",
        "assignments", "share", "expert_assignments"), rows));
    return t;
  }

  /** Counts assignments per layer, modality and expert from routing records. */
  public static final class Collector extends ModalityCollector {
    private Collector(List<MoeLayer> layers) {
      super(layers);
    }

    @Override
    void count(int layer, int modality, RoutingRecord r, int t) {
      long[] c = counts[layer][modality];
      int k = r.topK();
      for (int j = 0; j < k; j++) {
        c[r.experts()[t * k + j]]++;
      }
    }

    /**
     * The shares of everything observed so far.
     *
     * @throws IllegalStateException when a layer saw no token
     */
    public ModalityShares result() {
      List<LayerShares> out = new ArrayList<>();
      for (int l = 0; l < numExperts.length; l++) {
        Map<Modality, Long> tok = new LinkedHashMap<>();
        Map<Modality, long[]> asg = new LinkedHashMap<>();
        Map<Modality, double[]> sh = new LinkedHashMap<>();
        long[] perExpert = new long[numExperts[l]];
        for (Modality m : present(l)) {
          long[] c = counts[l][m.id()].clone();
          tok.put(m, tokens[l][m.id()]);
          asg.put(m, c);
          sh.put(m, Distributions.normalise(c));
          for (int e = 0; e < c.length; e++) {
            perExpert[e] += c[e];
          }
        }
        out.add(new LayerShares(l, numExperts[l], Collections.unmodifiableMap(tok),
            Collections.unmodifiableMap(asg), Collections.unmodifiableMap(sh), perExpert));
      }
      return new ModalityShares(out);
    }
  }
}
