package org.evomoe.diagnostics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.evomoe.moe.MoeLayer;
import org.evomoe.nn.SwiGluFfn;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Functional diversity of the experts of each MoE layer: how similar their outputs are on the same
 * real tokens. During a data pass every real token {@code x_t} that reaches a layer is given to
 * every expert of the layer, whatever the router chose ({@link MoeLayer#setInputListener}); the
 * per-token cosine {@code c_t(i, j) = <y_i(x_t), y_j(x_t)> / (|y_i(x_t)| |y_j(x_t)|)} is averaged
 * over the tokens: {@code cos(i, j) = mean_t c_t(i, j)}. Copies give 1, experts that compute the
 * same function up to a positive scale give 1, orthogonal outputs 0. Unlike {@link
 * ExpertSimilarity} (weights), it measures what the experts do on the data. Padding never reaches
 * it (the layer passes its real rows only).
 *
 * <p>A token where one of the two outputs is exactly zero is left out of that pair's mean; a pair
 * without any token is NaN. {@code meanOffDiagonal} is the mean of {@code cos(i, j)} over the
 * E(E-1) ordered pairs i != j (NaN for E = 1). Run it on an evaluation pass, not between a
 * forward and its backward (the experts' cached activations are overwritten; the layer's own
 * dispatch recomputes its experts' caches after the listener, so a backward right after the
 * whole forward is still correct). Cost per token: E expert forwards and E^2 d multiply-adds.
 *
 * <p>CSV tables: {@code cosine} (main): {@code layer, expert_a, expert_b, cosine, tokens}, all E x
 * E entries of every layer; {@code layers}: {@code layer, experts, tokens, mean_off_diagonal}.
 *
 * @param layers one entry per MoE layer, in layer order
 */
public record ExpertOutputSimilarity(List<LayerOutputSimilarity> layers)
    implements DiagnosticReport {

  /**
   * @param tokens real tokens that reached the layer during the pass
   * @param cosine mean per-token cosine of expert outputs [E][E], symmetric, diagonal 1
   * @param pairTokens tokens counted in each pair's mean [E][E]
   * @param meanOffDiagonal mean of cosine over i != j
   */
  public record LayerOutputSimilarity(
      int layer, int numExperts, long tokens, double[][] cosine, long[][] pairTokens,
      double meanOffDiagonal) {}

  public ExpertOutputSimilarity {
    layers = List.copyOf(layers);
  }

  /**
   * Runs {@code dataPass} once with input listeners on {@code layers} (a layer's previous input
   * listener keeps being called, and is restored afterwards, also when the pass throws).
   *
   * @throws IllegalStateException when a layer saw no real token during the pass
   */
  public static ExpertOutputSimilarity measure(List<MoeLayer> layers, Runnable dataPass) {
    RoutingCapture.requireLayers(layers);
    if (dataPass == null) {
      throw new IllegalArgumentException("data pass must not be null");
    }
    int n = layers.size();
    Accumulator[] acc = new Accumulator[n];
    @SuppressWarnings("unchecked")
    Consumer<INDArray>[] previous = new Consumer[n];
    for (int i = 0; i < n; i++) {
      previous[i] = layers.get(i).inputListener();
      acc[i] = new Accumulator(layers.get(i).experts());
    }
    try {
      for (int i = 0; i < n; i++) {
        Consumer<INDArray> mine = acc[i]::observe;
        layers.get(i).setInputListener(previous[i] == null ? mine : previous[i].andThen(mine));
      }
      dataPass.run();
    } finally {
      for (int i = 0; i < n; i++) {
        layers.get(i).setInputListener(previous[i]);
      }
    }
    List<LayerOutputSimilarity> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(acc[i].result(i));
    }
    return new ExpertOutputSimilarity(out);
  }

  @Override
  public Map<String, CsvTable> tables() {
    List<List<Object>> cos = new ArrayList<>();
    List<List<Object>> ls = new ArrayList<>();
    for (LayerOutputSimilarity l : layers) {
      for (int a = 0; a < l.numExperts(); a++) {
        for (int b = 0; b < l.numExperts(); b++) {
          cos.add(List.of(l.layer(), a, b, l.cosine()[a][b], l.pairTokens()[a][b]));
        }
      }
      ls.add(List.of(l.layer(), l.numExperts(), l.tokens(), l.meanOffDiagonal()));
    }
    Map<String, CsvTable> t = new LinkedHashMap<>();
    t.put("cosine", new CsvTable(List.of("layer", "expert_a", "expert_b", "cosine", "tokens"), cos));
    t.put("layers", new CsvTable(List.of("layer", "experts", "tokens", "mean_off_diagonal"), ls));
    return t;
  }

  /** Per-pair sums of per-token cosines of one layer. */
  private static final class Accumulator {
    private final List<SwiGluFfn> experts;
    private final double[][] sums;
    private final long[][] counts;
    private long tokens;

    Accumulator(List<SwiGluFfn> experts) {
      this.experts = experts;
      int e = experts.size();
      sums = new double[e][e];
      counts = new long[e][e];
    }

    void observe(INDArray x) {
      int e = experts.size();
      int t = (int) x.size(0);
      double[][] y = new double[e][];
      int d = 0;
      for (int i = 0; i < e; i++) {
        INDArray out = experts.get(i).forward(x);
        d = (int) out.size(1);
        y[i] = out.castTo(DataType.DOUBLE).dup('c').data().asDouble();
      }
      double[] norm = new double[e];
      for (int tok = 0; tok < t; tok++) {
        int base = tok * d;
        for (int i = 0; i < e; i++) {
          double s = 0;
          for (int k = 0; k < d; k++) {
            s += y[i][base + k] * y[i][base + k];
          }
          norm[i] = Math.sqrt(s);
        }
        for (int i = 0; i < e; i++) {
          if (norm[i] == 0) {
            continue;
          }
          for (int j = i + 1; j < e; j++) {
            if (norm[j] == 0) {
              continue;
            }
            double dot = 0;
            for (int k = 0; k < d; k++) {
              dot += y[i][base + k] * y[j][base + k];
            }
            double c = Math.max(-1, Math.min(1, dot / (norm[i] * norm[j])));
            sums[i][j] += c;
            counts[i][j]++;
          }
        }
      }
      tokens += t;
    }

    LayerOutputSimilarity result(int layer) {
      if (tokens == 0) {
        throw new IllegalStateException(
            "MoE layer " + layer + " saw no real token during the data pass: does the pass run it?");
      }
      int e = experts.size();
      double[][] cos = new double[e][e];
      long[][] n = new long[e][e];
      double off = 0;
      for (int i = 0; i < e; i++) {
        cos[i][i] = 1.0;
        n[i][i] = tokens;
        for (int j = i + 1; j < e; j++) {
          double c = counts[i][j] == 0 ? Double.NaN : sums[i][j] / counts[i][j];
          cos[i][j] = c;
          cos[j][i] = c;
          n[i][j] = counts[i][j];
          n[j][i] = counts[i][j];
          off += 2 * c;
        }
      }
      double mean = e < 2 ? Double.NaN : off / (e * (e - 1.0));
      return new LayerOutputSimilarity(layer, e, tokens, cos, n, mean);
    }
  }
}
