package org.evomoe.examples.checkpoint;

import java.util.Map;

/**
 * A straightforward LLaMA forward in plain Java doubles, written from the Hugging Face modeling
 * code ({@code LlamaForCausalLM}) and independent of the model package: embedding, per layer
 * RMSNorm, q/k/v projections, RoPE ({@code rotate_half}: dimension i pairs with i + dh/2), causal
 * grouped-query attention (query head h reads key/value head h / (H / Hkv)), o projection,
 * residual, RMSNorm, SwiGLU MLP, residual; final RMSNorm and the LM head. Weights are PyTorch
 * {@code [out, in]} row-major float arrays by Hugging Face name.
 */
final class LlamaReference {
  final int vocab;
  final int d;
  final int ffn;
  final int layers;
  final int heads;
  final int kvHeads;
  final double theta;
  final double eps;
  final boolean interleavedRope; // GPT-J pairing (2i, 2i + 1): a deliberately wrong variant
  private final Map<String, float[]> w;

  LlamaReference(int vocab, int d, int ffn, int layers, int heads, int kvHeads, double theta,
      double eps, Map<String, float[]> weights, boolean interleavedRope) {
    this.vocab = vocab;
    this.d = d;
    this.ffn = ffn;
    this.layers = layers;
    this.heads = heads;
    this.kvHeads = kvHeads;
    this.theta = theta;
    this.eps = eps;
    this.w = weights;
    this.interleavedRope = interleavedRope;
  }

  /** Logits [S][V] of one sequence at positions 0..S-1. */
  double[][] logits(int[] tokens, String lmHeadName) {
    int s = tokens.length;
    int dh = d / heads;
    double[][] x = new double[s][];
    for (int t = 0; t < s; t++) {
      x[t] = row(w.get("model.embed_tokens.weight"), tokens[t], d);
    }
    for (int l = 0; l < layers; l++) {
      String p = "model.layers." + l + ".";
      double[][] q = new double[s][];
      double[][] k = new double[s][];
      double[][] v = new double[s][];
      for (int t = 0; t < s; t++) {
        double[] h = rmsNorm(x[t], w.get(p + "input_layernorm.weight"));
        q[t] = matVec(w.get(p + "self_attn.q_proj.weight"), h, heads * dh, d);
        k[t] = matVec(w.get(p + "self_attn.k_proj.weight"), h, kvHeads * dh, d);
        v[t] = matVec(w.get(p + "self_attn.v_proj.weight"), h, kvHeads * dh, d);
        for (int hq = 0; hq < heads; hq++) {
          rope(q[t], hq * dh, dh, t);
        }
        for (int hk = 0; hk < kvHeads; hk++) {
          rope(k[t], hk * dh, dh, t);
        }
      }
      int group = heads / kvHeads;
      for (int t = 0; t < s; t++) {
        double[] attn = new double[heads * dh];
        for (int hq = 0; hq < heads; hq++) {
          int hk = hq / group;
          double[] scores = new double[t + 1];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j <= t; j++) {
            double dot = 0;
            for (int i = 0; i < dh; i++) {
              dot += q[t][hq * dh + i] * k[j][hk * dh + i];
            }
            scores[j] = dot / Math.sqrt(dh);
            max = Math.max(max, scores[j]);
          }
          double sum = 0;
          for (int j = 0; j <= t; j++) {
            scores[j] = Math.exp(scores[j] - max);
            sum += scores[j];
          }
          for (int j = 0; j <= t; j++) {
            double pj = scores[j] / sum;
            for (int i = 0; i < dh; i++) {
              attn[hq * dh + i] += pj * v[j][hk * dh + i];
            }
          }
        }
        double[] o = matVec(w.get(p + "self_attn.o_proj.weight"), attn, d, heads * dh);
        for (int i = 0; i < d; i++) {
          x[t][i] += o[i];
        }
      }
      for (int t = 0; t < s; t++) {
        double[] h = rmsNorm(x[t], w.get(p + "post_attention_layernorm.weight"));
        double[] g = matVec(w.get(p + "mlp.gate_proj.weight"), h, ffn, d);
        double[] u = matVec(w.get(p + "mlp.up_proj.weight"), h, ffn, d);
        double[] a = new double[ffn];
        for (int i = 0; i < ffn; i++) {
          a[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
        }
        double[] f = matVec(w.get(p + "mlp.down_proj.weight"), a, d, ffn);
        for (int i = 0; i < d; i++) {
          x[t][i] += f[i];
        }
      }
    }
    double[][] out = new double[s][];
    for (int t = 0; t < s; t++) {
      out[t] = matVec(w.get(lmHeadName), rmsNorm(x[t], w.get("model.norm.weight")), vocab, d);
    }
    return out;
  }

  /** HF: x * rsqrt(mean(x^2) + eps) * weight. */
  private double[] rmsNorm(double[] x, float[] weight) {
    double ss = 0;
    for (double v : x) {
      ss += v * v;
    }
    double r = 1.0 / Math.sqrt(ss / x.length + eps);
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = x[i] * r * weight[i];
    }
    return y;
  }

  /** q_embed = q * cos + rotate_half(q) * sin, rotate_half(x) = cat(-x2, x1). */
  private void rope(double[] x, int off, int dh, int pos) {
    int half = dh / 2;
    double[] in = new double[dh];
    System.arraycopy(x, off, in, 0, dh);
    for (int i = 0; i < half; i++) {
      double freq = Math.pow(theta, -2.0 * i / dh);
      double c = Math.cos(pos * freq);
      double sn = Math.sin(pos * freq);
      if (interleavedRope) {
        x[off + 2 * i] = in[2 * i] * c - in[2 * i + 1] * sn;
        x[off + 2 * i + 1] = in[2 * i + 1] * c + in[2 * i] * sn;
      } else {
        // emb = cat(freqs, freqs): cos/sin of dimension i and i + half use the same frequency.
        x[off + i] = in[i] * c - in[i + half] * sn;
        x[off + i + half] = in[i + half] * c + in[i] * sn;
      }
    }
  }

  /** y = W x with W [rows, cols] row-major. */
  private static double[] matVec(float[] weight, double[] x, int rows, int cols) {
    double[] y = new double[rows];
    for (int r = 0; r < rows; r++) {
      double acc = 0;
      for (int c = 0; c < cols; c++) {
        acc += weight[r * cols + c] * x[c];
      }
      y[r] = acc;
    }
    return y;
  }

  private static double[] row(float[] m, int r, int cols) {
    double[] out = new double[cols];
    for (int c = 0; c < cols; c++) {
      out[c] = m[r * cols + c];
    }
    return out;
  }
}
