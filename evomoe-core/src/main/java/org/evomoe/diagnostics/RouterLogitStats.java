package org.evomoe.diagnostics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.RoutingRecord;
import org.evomoe.router.Modalities;
import org.evomoe.router.Modality;

/**
 * Router logit distributions of image and text tokens (the paper's Fig. 1b) and how far apart
 * the modalities' routing distributions are.
 *
 * <p>Per layer, modality and expert e, over the tokens of that modality: count, mean, population
 * standard deviation, min and max of the logit of e, the mean router probability of e, and a
 * histogram over fixed bin edges shared by every cell (given, or {@code bins} equal-width bins from
 * the global min to the global max over all layers, modalities and experts). Bins are half-open
 * {@code [edge_i, edge_i+1)} except the last, which includes its upper edge; values outside the
 * edges count as {@code below} or {@code above}.
 *
 * <p>Separation, per layer and pair of present modalities (a, b), of the modality-average
 * probability vectors {@code P_a = mean over a's tokens of softmax(logits)}: total variation
 * {@code TV = 1/2 sum_e |P_a(e) - P_b(e)|} in [0, 1] and Jensen-Shannon divergence {@code JS =
 * 1/2 KL(P_a || M) + 1/2 KL(P_b || M)}, {@code M = (P_a + P_b) / 2}, in nats, in [0, ln 2].
 *
 * <p>The logits are the ones the softmax saw ({@link RoutingRecord#logits()}); the data pass must
 * route (a forced forward has no logits and fails the measurement). Without given edges the
 * logits are buffered until the edges are known: 8 bytes per token, expert and layer.
 *
 * <p>CSV tables: {@code stats} (main): {@code layer, modality, expert, count, mean, std, min,
 * max, mean_prob, below, above}; {@code histogram}: {@code layer, modality, expert, bin,
 * bin_low, bin_high, count, density} with {@code density = count / (cell count * bin width)};
 * {@code separation}: {@code layer, modality_a, modality_b, total_variation, jensen_shannon}.
 * Rows are ordered by layer, modality (id order), expert, bin.
 *
 * @param binEdges histogram bin edges, strictly increasing, bins + 1 entries
 * @param cells one per layer, present modality and expert
 * @param separations one per layer and pair of present modalities
 */
public record RouterLogitStats(
    double[] binEdges, List<LogitCell> cells, List<ModalitySeparation> separations)
    implements DiagnosticReport {

  /** Number of bins when neither bins nor edges are given. */
  public static final int DEFAULT_BINS = 50;

  /**
   * Logit statistics of one expert over one modality's tokens in one layer.
   *
   * @param count tokens of the modality
   * @param std population standard deviation (divides by count)
   * @param meanProb mean router probability of the expert over the modality's tokens
   * @param below values under the first edge (not in any bin)
   * @param above values over the last edge (not in any bin)
   * @param histogram counts per bin [bins]
   */
  public record LogitCell(
      int layer,
      Modality modality,
      int expert,
      long count,
      double mean,
      double std,
      double min,
      double max,
      double meanProb,
      long below,
      long above,
      long[] histogram) {}

  /**
   * How differently two modalities are routed in one layer.
   *
   * @param meanProbsA modality a's average probability vector [E]
   * @param meanProbsB modality b's average probability vector [E]
   * @param totalVariation 1/2 sum_e |P_a(e) - P_b(e)|
   * @param jensenShannon JS(P_a, P_b) in nats
   */
  public record ModalitySeparation(
      int layer,
      Modality modalityA,
      Modality modalityB,
      double[] meanProbsA,
      double[] meanProbsB,
      double totalVariation,
      double jensenShannon) {}

  public RouterLogitStats {
    cells = List.copyOf(cells);
    separations = List.copyOf(separations);
  }

  /** {@link #DEFAULT_BINS} bins from the global min to the global max. */
  public static RouterLogitStats measure(List<MoeLayer> layers, Runnable dataPass) {
    return measure(layers, dataPass, DEFAULT_BINS);
  }

  /** {@code bins} equal-width bins from the global min to the global max. */
  public static RouterLogitStats measure(List<MoeLayer> layers, Runnable dataPass, int bins) {
    Collector c = collector(layers, bins);
    RoutingCapture.run(layers, dataPass, c);
    return c.result();
  }

  /** Histograms over the given edges (streamed: no logit is buffered). */
  public static RouterLogitStats measure(
      List<MoeLayer> layers, Runnable dataPass, double[] binEdges) {
    Collector c = collector(layers, binEdges);
    RoutingCapture.run(layers, dataPass, c);
    return c.result();
  }

  /** A collector with {@code bins} equal-width bins between the global min and max. */
  public static Collector collector(List<MoeLayer> layers, int bins) {
    if (bins < 1) {
      throw new IllegalArgumentException("histogram bins must be >= 1, got " + bins);
    }
    return new Collector(layers, bins, null);
  }

  /** A collector with fixed bin edges (at least 2, finite, strictly increasing). */
  public static Collector collector(List<MoeLayer> layers, double[] binEdges) {
    if (binEdges == null || binEdges.length < 2) {
      throw new IllegalArgumentException("bin edges need at least 2 values");
    }
    for (int i = 0; i < binEdges.length; i++) {
      if (!Double.isFinite(binEdges[i]) || (i > 0 && !(binEdges[i] > binEdges[i - 1]))) {
        throw new IllegalArgumentException(
            "bin edges must be finite and strictly increasing, got " + Arrays.toString(binEdges));
      }
    }
    return new Collector(layers, binEdges.length - 1, binEdges.clone());
  }

  private static int[] experts(List<MoeLayer> layers) {
    RoutingCapture.requireLayers(layers);
    return layers.stream().mapToInt(l -> l.config().numExperts()).toArray();
  }

  /** The cell of (layer, modality, expert). */
  public LogitCell cell(int layer, Modality modality, int expert) {
    for (LogitCell c : cells) {
      if (c.layer() == layer && c.modality().equals(modality) && c.expert() == expert) {
        return c;
      }
    }
    throw new IllegalArgumentException(
        "no logit statistics for layer " + layer + ", " + modality + ", expert " + expert);
  }

  /** The separation of the two modalities in {@code layer}. */
  public ModalitySeparation separation(int layer, Modality a, Modality b) {
    for (ModalitySeparation s : separations) {
      if (s.layer() == layer
          && ((s.modalityA().equals(a) && s.modalityB().equals(b))
              || (s.modalityA().equals(b) && s.modalityB().equals(a)))) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "no separation of " + a + " and " + b + " in layer " + layer + " (both must occur)");
  }

  @Override
  public Map<String, CsvTable> tables() {
    List<List<Object>> stats = new ArrayList<>();
    List<List<Object>> hist = new ArrayList<>();
    for (LogitCell c : cells) {
      stats.add(List.of(c.layer(), c.modality(), c.expert(), c.count(), c.mean(), c.std(), c.min(),
          c.max(), c.meanProb(), c.below(), c.above()));
      for (int b = 0; b < c.histogram().length; b++) {
        double width = binEdges[b + 1] - binEdges[b];
        hist.add(List.of(c.layer(), c.modality(), c.expert(), b, binEdges[b], binEdges[b + 1],
            c.histogram()[b], c.histogram()[b] / (c.count() * width)));
      }
    }
    List<List<Object>> sep = new ArrayList<>();
    for (ModalitySeparation s : separations) {
      sep.add(List.of(s.layer(), s.modalityA(), s.modalityB(), s.totalVariation(), s.jensenShannon()));
    }
    Map<String, CsvTable> t = new LinkedHashMap<>();
    t.put("stats", new CsvTable(List.of("layer", "modality", "expert", "count", "mean", "std", "min",
        "max", "mean_prob", "below", "above"), stats));
    t.put("histogram", new CsvTable(List.of("layer", "modality", "expert", "bin", "bin_low",
        "bin_high", "count", "density"), hist));
    t.put("separation", new CsvTable(List.of("layer", "modality_a", "modality_b",
        "total_variation", "jensen_shannon"), sep));
    return t;
  }

  /** Accumulates logit statistics per layer, modality and expert from routing records. */
  public static final class Collector implements RoutingObserver {
    private final int[] numExperts;
    private final Modalities[] modalities; // per layer
    private final int bins;
    private final double[] edges; // null until known (computed from the buffered values)
    private final Cell[][][] cells; // [layer][modality][expert]
    private final double[][][] probSums; // [layer][modality][expert]
    private final long[][] tokens; // [layer][modality]

    private Collector(List<MoeLayer> layers, int bins, double[] edges) {
      this.numExperts = experts(layers);
      this.modalities = layers.stream().map(MoeLayer::modalities).toArray(Modalities[]::new);
      this.bins = bins;
      this.edges = edges;
      cells = new Cell[numExperts.length][][];
      probSums = new double[numExperts.length][][];
      tokens = new long[numExperts.length][];
      for (int l = 0; l < numExperts.length; l++) {
        int m = modalities[l].count();
        cells[l] = new Cell[m][];
        probSums[l] = new double[m][];
        tokens[l] = new long[m];
        for (int i = 0; i < m; i++) {
          cells[l][i] = new Cell[numExperts[l]];
          probSums[l][i] = new double[numExperts[l]];
          for (int e = 0; e < numExperts[l]; e++) {
            cells[l][i][e] = new Cell(bins, edges == null);
          }
        }
      }
    }

    @Override
    public void observe(int layer, RoutingRecord r) {
      RecordChecks.requireRecord(layer, r, numExperts);
      if (!r.routed()) {
        throw new IllegalStateException(
            "MoE layer " + layer + " was forced to one expert: router logit statistics need "
                + "routed forwards");
      }
      int e = r.numExperts();
      double[] logits = r.logits();
      double[] probs = r.probs();
      RecordChecks.requireModalities(layer, r, modalities[layer]);
      for (int t = 0; t < r.numTokens(); t++) {
        int m = r.modality(t).id();
        tokens[layer][m]++;
        Cell[] row = cells[layer][m];
        double[] ps = probSums[layer][m];
        for (int x = 0; x < e; x++) {
          double v = logits[t * e + x];
          if (Double.isNaN(v)) {
            throw new IllegalArgumentException(
                "MoE layer " + layer + ": NaN logit for token " + t + ", expert " + x);
          }
          row[x].add(v, edges);
          ps[x] += probs[t * e + x];
        }
      }
    }

    /**
     * The statistics of everything observed so far.
     *
     * @throws IllegalStateException when a layer saw no token
     */
    public RouterLogitStats result() {
      for (int l = 0; l < numExperts.length; l++) {
        RecordChecks.requireTokens(l, tokens[l]);
      }
      double[] e = edges != null ? edges : equalWidthEdges();
      List<LogitCell> out = new ArrayList<>();
      List<ModalitySeparation> sep = new ArrayList<>();
      for (int l = 0; l < numExperts.length; l++) {
        List<Modality> all = modalities[l].all();
        double[][] meanProbs = new double[all.size()][];
        for (Modality m : all) {
          long n = tokens[l][m.id()];
          if (n == 0) {
            continue;
          }
          meanProbs[m.id()] = new double[numExperts[l]];
          for (int x = 0; x < numExperts[l]; x++) {
            Cell c = cells[l][m.id()][x];
            long[] binned = c.histogram(e); // bins, then below, then above
            double meanProb = probSums[l][m.id()][x] / n;
            meanProbs[m.id()][x] = meanProb;
            out.add(new LogitCell(l, m, x, c.n, c.mean, Math.sqrt(c.m2 / c.n), c.min, c.max,
                meanProb, binned[bins], binned[bins + 1], Arrays.copyOf(binned, bins)));
          }
        }
        for (int a = 0; a < all.size(); a++) {
          for (int b = a + 1; b < all.size(); b++) {
            double[] pa = meanProbs[a];
            double[] pb = meanProbs[b];
            if (pa != null && pb != null) {
              sep.add(new ModalitySeparation(l, all.get(a), all.get(b), pa, pb,
                  Distributions.totalVariation(pa, pb), Distributions.jensenShannon(pa, pb)));
            }
          }
        }
      }
      return new RouterLogitStats(e, out, sep);
    }

    /** bins equal-width bins over [global min, global max]; +-0.5 around a single value. */
    private double[] equalWidthEdges() {
      double lo = Double.POSITIVE_INFINITY;
      double hi = Double.NEGATIVE_INFINITY;
      for (Cell[][] layer : cells) {
        for (Cell[] mod : layer) {
          for (Cell c : mod) {
            if (c.n > 0) {
              lo = Math.min(lo, c.min);
              hi = Math.max(hi, c.max);
            }
          }
        }
      }
      if (lo == hi) {
        lo -= 0.5;
        hi += 0.5;
      }
      double[] e = new double[bins + 1];
      for (int i = 0; i <= bins; i++) {
        e[i] = lo + (hi - lo) * i / bins;
      }
      e[bins] = hi;
      return e;
    }
  }

  /** Running moments (Welford), extremes, and either a streamed histogram or buffered values. */
  private static final class Cell {
    long n;
    double mean;
    double m2;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    final long[] hist; // bins, then below, then above (streamed mode)
    double[] values; // buffered when the edges are not known yet
    int size;

    Cell(int bins, boolean buffer) {
      hist = new long[bins + 2];
      values = buffer ? new double[16] : null;
    }

    void add(double v, double[] edges) {
      n++;
      double d = v - mean;
      mean += d / n;
      m2 += d * (v - mean);
      min = Math.min(min, v);
      max = Math.max(max, v);
      if (values != null) {
        if (size == values.length) {
          values = Arrays.copyOf(values, values.length * 2);
        }
        values[size++] = v;
      } else {
        bin(v, edges, hist);
      }
    }

    /** Counts per bin, then below, then above ({@code edges.length + 1} entries). */
    long[] histogram(double[] edges) {
      if (values == null) {
        return hist.clone();
      }
      long[] h = new long[edges.length + 1];
      for (int i = 0; i < size; i++) {
        bin(values[i], edges, h);
      }
      return h;
    }

    private static void bin(double v, double[] edges, long[] h) {
      int last = edges.length - 1; // = bins
      if (v < edges[0]) {
        h[last]++;
      } else if (v > edges[last]) {
        h[last + 1]++;
      } else {
        int i = Arrays.binarySearch(edges, v);
        h[i >= 0 ? Math.min(i, last - 1) : -i - 2]++;
      }
    }
  }
}
