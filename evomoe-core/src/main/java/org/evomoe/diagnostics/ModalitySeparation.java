package org.evomoe.diagnostics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
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
 * For each pair of present modalities a, b: the total variation {@code TV_hard = 1/2 sum_e |h_a(e)
 * - h_b(e)|} and {@code TV_soft = 1/2 sum_e |s_a(e) - s_b(e)|}, both in [0, 1]. Soft TV mixes
 * separation with sharpness: a router that sends every image token to expert 0 and every text
 * token to expert 1, each with probability 0.6, has TV_hard = 1 but TV_soft = 0.2 (for E = 2).
 * Forced forwards count their forced expert with probability 1 (hard = soft).
 *
 * <p>Runs on any layer state, including a freshly initialised router (the baseline of how much
 * the modality input alone separates, e.g. the DTR at initialisation).
 *
 * <p>CSV tables: {@code pairs} (main): {@code layer, modality_a, modality_b, tokens_a, tokens_b,
 * tv_hard, tv_soft}; {@code shares}: {@code layer, modality, expert, tokens, hard_top1_share,
 * soft_share}.
 *
 * @param layers one entry per MoE layer, in layer order
 */
public record ModalitySeparation(List<LayerSeparation> layers) implements DiagnosticReport {

  /**
   * One layer. Maps hold only the modalities that occurred, in declaration order.
   *
   * @param tokens real tokens per modality
   * @param hardTop1Shares per modality, the share of its tokens with top-1 expert e [E]
   * @param softShares per modality, the mean router probability of each expert [E]
   * @param pairs one entry per pair of present modalities (a before b in declaration order)
   */
  public record LayerSeparation(
      int layer,
      int numExperts,
      Map<Modality, Long> tokens,
      Map<Modality, double[]> hardTop1Shares,
      Map<Modality, double[]> softShares,
      List<PairSeparation> pairs) {}

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
    RoutingCapture.requireLayers(layers);
    return new Collector(layers.stream().mapToInt(l -> l.config().numExperts()).toArray());
  }

  /** The pair (a, b) of a layer, in either order. */
  public PairSeparation pair(int layer, Modality a, Modality b) {
    for (PairSeparation p : layers.get(layer).pairs()) {
      if ((p.a() == a && p.b() == b) || (p.a() == b && p.b() == a)) {
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

  /** Counts top-1 choices and sums probabilities per layer, modality and expert. */
  public static final class Collector implements RoutingObserver {
    private final int[] numExperts;
    private final long[][][] top1; // [layer][modality][expert]
    private final double[][][] probSums; // [layer][modality][expert]
    private final long[][] tokens; // [layer][modality]

    private Collector(int[] numExperts) {
      this.numExperts = numExperts;
      int m = Modality.values().length;
      top1 = new long[numExperts.length][m][];
      probSums = new double[numExperts.length][m][];
      tokens = new long[numExperts.length][m];
      for (int l = 0; l < numExperts.length; l++) {
        for (int i = 0; i < m; i++) {
          top1[l][i] = new long[numExperts[l]];
          probSums[l][i] = new double[numExperts[l]];
        }
      }
    }

    @Override
    public void observe(int layer, RoutingRecord r) {
      RecordChecks.requireRecord(layer, r, numExperts);
      int e = r.numExperts();
      double[] p = r.probs();
      for (int t = 0; t < r.numTokens(); t++) {
        int m = r.modality(t).ordinal();
        tokens[layer][m]++;
        top1[layer][m][r.expert(t, 0)]++;
        double[] sums = probSums[layer][m];
        for (int x = 0; x < e; x++) {
          sums[x] += p[t * e + x];
        }
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
        RecordChecks.requireTokens(l, tokens[l]);
        Map<Modality, Long> tok = new EnumMap<>(Modality.class);
        Map<Modality, double[]> hard = new EnumMap<>(Modality.class);
        Map<Modality, double[]> soft = new EnumMap<>(Modality.class);
        for (Modality m : Modality.values()) {
          long n = tokens[l][m.ordinal()];
          if (n == 0) {
            continue;
          }
          tok.put(m, n);
          hard.put(m, Distributions.normalise(top1[l][m.ordinal()]));
          double[] s = probSums[l][m.ordinal()].clone();
          for (int x = 0; x < s.length; x++) {
            s[x] /= n;
          }
          soft.put(m, s);
        }
        List<Modality> present = new ArrayList<>(tok.keySet());
        List<PairSeparation> pairs = new ArrayList<>();
        for (int i = 0; i < present.size(); i++) {
          for (int j = i + 1; j < present.size(); j++) {
            Modality a = present.get(i);
            Modality b = present.get(j);
            pairs.add(new PairSeparation(a, b,
                Distributions.totalVariation(hard.get(a), hard.get(b)),
                Distributions.totalVariation(soft.get(a), soft.get(b))));
          }
        }
        out.add(new LayerSeparation(l, numExperts[l], Collections.unmodifiableMap(tok),
            Collections.unmodifiableMap(hard), Collections.unmodifiableMap(soft),
            List.copyOf(pairs)));
      }
      return new ModalitySeparation(out);
    }
  }
}
