package org.evomoe.diagnostics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomoe.moe.MoeLayer;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.Parameter;

/**
 * Weight-space similarity of the experts of each MoE layer: the cosine of every pair of experts'
 * flattened weights {@code w = [gate_proj, up_proj, down_proj]} (each row-major, concatenated),
 * {@code cos(i, j) = <w_i, w_j> / (|w_i| |w_j|)}. Upcycled copies give 1 everywhere; evolved or
 * trained experts drift below 1.
 *
 * <p>Computed in plain Java over the weight buffers in chunks (one Gram matrix of E x E doubles
 * accumulated in double precision, no per-element ND4J call, memory E x 32768 doubles). Cosines
 * are clamped to [-1, 1]; the diagonal is exactly 1; a pair involving an all-zero expert is NaN.
 * {@code meanOffDiagonal} is the mean over the E(E-1) ordered pairs i != j (NaN for E = 1).
 *
 * <p>CSV tables: {@code cosine} (main): {@code layer, expert_a, expert_b, cosine}, all E x E
 * entries of every layer, row-major; {@code layers}: {@code layer, experts,
 * parameters_per_expert, mean_off_diagonal}.
 *
 * @param layers one entry per MoE layer, in layer order
 */
public record ExpertSimilarity(List<LayerSimilarity> layers) implements DiagnosticReport {
  private static final int CHUNK = 1 << 15;

  /**
   * @param numExperts E
   * @param parametersPerExpert length of each flattened weight vector (3 dModel dHidden)
   * @param norms Euclidean norm of each expert's flattened weights [E]
   * @param cosine [E][E], symmetric
   * @param meanOffDiagonal mean of cosine over i != j
   */
  public record LayerSimilarity(
      int layer,
      int numExperts,
      long parametersPerExpert,
      double[] norms,
      double[][] cosine,
      double meanOffDiagonal) {}

  public ExpertSimilarity {
    layers = List.copyOf(layers);
  }

  /** The similarity matrices of every layer's experts. */
  public static ExpertSimilarity of(List<MoeLayer> layers) {
    RoutingCapture.requireLayers(layers);
    List<LayerSimilarity> out = new ArrayList<>();
    for (int l = 0; l < layers.size(); l++) {
      out.add(ofExperts(l, layers.get(l).experts()));
    }
    return new ExpertSimilarity(out);
  }

  /**
   * The similarity matrix of one set of experts of equal shape.
   *
   * @param layer the layer number to record
   */
  public static LayerSimilarity ofExperts(int layer, List<SwiGluFfn> experts) {
    if (experts == null || experts.isEmpty()) {
      throw new IllegalArgumentException("layer " + layer + ": no experts");
    }
    int e = experts.size();
    SwiGluFfn first = experts.get(0);
    for (int i = 1; i < e; i++) {
      SwiGluFfn f = experts.get(i);
      if (f.dModel() != first.dModel() || f.dHidden() != first.dHidden()) {
        throw new IllegalArgumentException(
            "layer " + layer + ": expert " + i + " is " + f.dModel() + "x" + f.dHidden()
                + ", expert 0 is " + first.dModel() + "x" + first.dHidden());
      }
    }
    double[][] gram = new double[e][e];
    double[][] chunk = new double[e][];
    long total = 0;
    for (int p = 0; p < 3; p++) {
      Buffers[] b = new Buffers[e];
      for (int i = 0; i < e; i++) {
        b[i] = Buffers.of(weight(experts.get(i), p).value());
      }
      long len = b[0].length;
      total += len;
      for (long off = 0; off < len; off += CHUNK) {
        int n = (int) Math.min(CHUNK, len - off);
        for (int i = 0; i < e; i++) {
          if (chunk[i] == null || chunk[i].length < n) {
            chunk[i] = new double[n];
          }
          b[i].read(off, chunk[i], 0, n);
        }
        for (int i = 0; i < e; i++) {
          for (int j = i; j < e; j++) {
            gram[i][j] += dot(chunk[i], chunk[j], n);
          }
        }
      }
    }
    double[] norms = new double[e];
    for (int i = 0; i < e; i++) {
      norms[i] = Math.sqrt(gram[i][i]);
    }
    double[][] cos = new double[e][e];
    double offSum = 0;
    for (int i = 0; i < e; i++) {
      for (int j = i; j < e; j++) {
        double c;
        if (norms[i] == 0 || norms[j] == 0) {
          c = Double.NaN;
        } else if (i == j) {
          c = 1.0;
        } else {
          c = Math.max(-1.0, Math.min(1.0, gram[i][j] / (norms[i] * norms[j])));
        }
        cos[i][j] = c;
        cos[j][i] = c;
        if (i != j) {
          offSum += 2 * c;
        }
      }
    }
    double meanOff = e > 1 ? offSum / ((double) e * (e - 1)) : Double.NaN;
    return new LayerSimilarity(layer, e, total, norms, cos, meanOff);
  }

  private static Parameter weight(SwiGluFfn f, int p) {
    return switch (p) {
      case 0 -> f.gate();
      case 1 -> f.up();
      default -> f.down();
    };
  }

  private static double dot(double[] a, double[] b, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  @Override
  public Map<String, CsvTable> tables() {
    List<List<Object>> cos = new ArrayList<>();
    List<List<Object>> summary = new ArrayList<>();
    for (LayerSimilarity l : layers) {
      for (int i = 0; i < l.numExperts(); i++) {
        for (int j = 0; j < l.numExperts(); j++) {
          cos.add(List.of(l.layer(), i, j, l.cosine()[i][j]));
        }
      }
      summary.add(List.of(l.layer(), l.numExperts(), l.parametersPerExpert(), l.meanOffDiagonal()));
    }
    Map<String, CsvTable> t = new LinkedHashMap<>();
    t.put("cosine", new CsvTable(List.of("layer", "expert_a", "expert_b", "cosine"), cos));
    t.put("layers", new CsvTable(List.of("layer", "experts", "parameters_per_expert",
        "mean_off_diagonal"), summary));
    return t;
  }
}
