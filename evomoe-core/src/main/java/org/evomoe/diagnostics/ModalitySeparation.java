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
 * How differently each modality is routed, per layer, measured two ways on the real tokens (padding
 * is never in a {@link RoutingRecord}):
 *
 * <ul>
 *   <li><b>hard</b>: the share of a modality's tokens whose top-1 expert is e, {@code h_m(e) =
 *       #{t in m : argmax_e p_t = e} / #m} (the first choice of every token, whatever k);
 *   <li><b>soft</b>: the mean router probability, {@code s_m(e) = 1/#m sum_{t in m} p_t(e)}.
 * </ul>
 *
 * For each pair of present modalities a, b (any number of modalities: M present modalities give
 * M (M - 1) / 2 pairs): the total variation {@code TV_hard = 1/2 sum_e |h_a(e) - h_b(e)|} and
 * {@code TV_soft = 1/2 sum_e |s_a(e) - s_b(e)|}, both in [0, 1]. Per layer, the largest of them
 * over the pairs ({@code maxHardTotalVariation}, {@code maxSoftTotalVariation}: the two most
 * differently routed modalities; with two modalities, the one pair's values; null with fewer than
 * two present). Soft TV mixes
 * separation with sharpness: a router that sends every image token to expert 0 and every text
 * token to expert 1, each with probability 0.6, has TV_hard = 1 but TV_soft = 0.2 (for E = 2).
 * Forced forwards count their forced expert with probability 1 (hard = soft).
 *
 * <p>Runs on any layer state, including a freshly initialised router (the baseline of how much
 * the modality input alone separates, e.g. the DTR at initialisation).
 *
 * <p>CSV tables: {@code pairs} (main): {@code layer, modality_a, modality_b, tokens_a, tokens_b,
 * tv_hard, tv_soft}, pairs in id order; {@code shares}: {@code layer, modality, expert, tokens,
 * hard_top1_share, soft_share}.
 *
 * @param layers one entry per MoE layer, in layer order
 */
public record ModalitySeparation(List<LayerSeparation> layers) implements DiagnosticReport {

  /**
   * One layer. Maps hold only the modalities that occurred, in id order (the layer's {@link
   * org.evomoe.router.Modalities}).
   *
   * @param tokens real tokens per modality
   * @param hardTop1Shares per modality, the share of its tokens with top-1 expert e [E]
   * @param softShares per modality, the mean router probability of each expert [E]
   * @param pairs one entry per pair of present modalities (a before b in id order)
   * @param maxHardTotalVariation the largest hard TV over the pairs; null with fewer than two
   *     present modalities
   * @param maxSoftTotalVariation the largest soft TV over the pairs; null likewise
   */
  public record LayerSeparation(
      int layer,
      int numExperts,
      Map<Modality, Long> tokens,
      Map<Modality, double[]> hardTop1Shares,
      Map<Modality, double[]> softShares,
      List<PairSeparation> pairs,
      Double maxHardTotalVariation,
      Double maxSoftTotalVariation) {}

  /** Total variation between two modalities' routing, hard (top-1) and soft (probabilities). */
  public record PairSeparation(Modality a, Modality b, double hardTotalVariation,
      double softTotalVariation) {}

  public ModalitySeparation {
    layers = List.copyOf(layers);
  }

  /**
   * Runs {@code dataPass} once with listeners on {@code layers}.
   *
   * @throws IllegalStateException when a layer saw no token during the pass
   */
  public static ModalitySeparation measure(List<MoeLayer> layers, Runnable dataPass) {
    Collector c = collector(layers);
    RoutingCapture.run(layers, dataPass, c);
    return c.result();
  }

  /** A collector for {@link RoutingCapture#run}, to share one data pass between diagnostics. */
  public static Collector collector(List<MoeLayer> layers) {
    return new Collector(layers);
  }

  /** The pair (a, b) of a layer, in either order. */
  public PairSeparation pair(int layer, Modality a, Modality b) {
    for (PairSeparation p : layers.get(layer).pairs()) {
      if ((p.a().equals(a) && p.b().equals(b)) || (p.a().equals(b) && p.b().equals(a))) {
        return p;
      }
    }
    throw new IllegalArgumentException("layer " + layer + " did not see both " + a + " and " + b);
  }

  @Override
  public Map<String, CsvTable> tables() {
    List<List<Object>> pairs = new ArrayList<>();
    List<List<Object>> shares = new ArrayList<>();
    for (LayerSeparation l : layers) {
      for (PairSeparation p : l.pairs()) {
        pairs.add(List.of(l.layer(), p.a(), p.b(), l.tokens().get(p.a()), l.tokens().get(p.b()),
            p.hardTotalVariation(), p.softTotalVariation()));
      }
      for (Map.Entry<Modality, double[]> e : l.hardTop1Shares().entrySet()) {
        double[] soft = l.softShares().get(e.getKey());
        for (int x = 0; x < l.numExperts(); x++) {
          shares.add(List.of(l.layer(), e.getKey(), x, l.tokens().get(e.getKey()), e.getValue()[x],
              soft[x]));
        }
      }
    }
    Map<String, CsvTable> t = new LinkedHashMap<>();
    t.put("pairs", new CsvTable(List.of("layer", "modality_a", "modality_b", "tokens_a",
        "tokens_b", "tv_hard", "tv_soft"), pairs));
    t.put("shares", new CsvTable(List.of("layer", "modality", "expert", "tokens",
        "hard_top1_share", "soft_share"), shares));
    return t;
  }

  /**
   * Counts top-1 choices (the base's counts) and sums probabilities per layer, modality and
   * expert.
   */
  public static final class Collector extends ModalityCollector {
    private final double[][][] probSums; // [layer][modality id][expert]

    private Collector(List<MoeLayer> layers) {
      super(layers);
      probSums = new double[numExperts.length][][];
      for (int l = 0; l < numExperts.length; l++) {
        probSums[l] = new double[modalities[l].count()][numExperts[l]];
      }
    }

    @Override
    void count(int layer, int modality, RoutingRecord r, int t) {
      counts[layer][modality][r.expert(t, 0)]++;
      int e = r.numExperts();
      double[] p = r.probs();
      double[] sums = probSums[layer][modality];
      for (int x = 0; x < e; x++) {
        sums[x] += p[t * e + x];
      }
    }

    /**
     * The separation of everything observed so far.
     *
     * @throws IllegalStateException when a layer saw no token
     */
    public ModalitySeparation result() {
      List<LayerSeparation> out = new ArrayList<>();
      for (int l = 0; l < numExperts.length; l++) {
        Map<Modality, Long> tok = new LinkedHashMap<>();
        Map<Modality, double[]> hard = new LinkedHashMap<>();
        Map<Modality, double[]> soft = new LinkedHashMap<>();
        List<Modality> present = present(l);
        for (Modality m : present) {
          long n = tokens[l][m.id()];
          tok.put(m, n);
          hard.put(m, Distributions.normalise(counts[l][m.id()]));
          double[] s = probSums[l][m.id()].clone();
          for (int x = 0; x < s.length; x++) {
            s[x] /= n;
          }
          soft.put(m, s);
        }
        List<PairSeparation> pairs = new ArrayList<>();
        Double maxHard = null;
        Double maxSoft = null;
        for (int i = 0; i < present.size(); i++) {
          for (int j = i + 1; j < present.size(); j++) {
            Modality a = present.get(i);
            Modality b = present.get(j);
            PairSeparation p = new PairSeparation(a, b,
                Distributions.totalVariation(hard.get(a), hard.get(b)),
                Distributions.totalVariation(soft.get(a), soft.get(b)));
            pairs.add(p);
            maxHard = maxHard == null ? p.hardTotalVariation() : Math.max(maxHard, p.hardTotalVariation());
            maxSoft = maxSoft == null ? p.softTotalVariation() : Math.max(maxSoft, p.softTotalVariation());
          }
        }
        out.add(new LayerSeparation(l, numExperts[l], Collections.unmodifiableMap(tok),
            Collections.unmodifiableMap(hard), Collections.unmodifiableMap(soft),
            List.copyOf(pairs), maxHard, maxSoft));
      }
      return new ModalitySeparation(out);
    }
  }
}
