package org.evomoe.router;

/**
 * The Dynamic Token-aware Router's own settings. The layer's width d, its expert count E and its
 * modalities are not part of it: they belong to the layer ({@link org.evomoe.moe.MoeLayerSpec})
 * and are given to the router with it, so each value is stated once. The paper fixes none of r, m
 * or the hypernetwork width; the defaults of {@link #defaults()} (r = 8, m = 32, h = 64) target d
 * = 64..512 and are explained in docs/routers.md.
 *
 * @param rank r &gt;= 1: the generated bottleneck maps d -&gt; 2r (SwiGLU gate and up halves) -&gt;
 *     r -&gt; m
 * @param embedDim m &gt;= 1: width of the token embedding e_t fed to the shared linear layer phi
 * @param hyperHidden h &gt;= 1: hidden width of each modality's hypernetwork (z -&gt; h -&gt; Theta)
 * @param activation between the hypernetwork's two layers ({@link HyperActivation#NONE} as in the
 *     paper)
 * @param phiBias whether phi (m -&gt; E) has a bias (default false, like the linear routers)
 * @param contraction evaluation order of Theta_down z ({@link ThetaContraction#CONTRACTED} by
 *     default; both give the same result)
 */
public record DtrConfig(
    int rank,
    int embedDim,
    int hyperHidden,
    HyperActivation activation,
    boolean phiBias,
    ThetaContraction contraction) {
  /** Default bottleneck rank r. */
  public static final int DEFAULT_RANK = 8;
  /** Default embedding width m. */
  public static final int DEFAULT_EMBED_DIM = 32;
  /** Default hypernetwork hidden width h. */
  public static final int DEFAULT_HYPER_HIDDEN = 64;

  public DtrConfig {
    positive("rank", rank);
    positive("embedDim", embedDim);
    positive("hyperHidden", hyperHidden);
    if (activation == null) {
      throw new IllegalArgumentException("activation must not be null");
    }
    if (contraction == null) {
      throw new IllegalArgumentException("contraction must not be null");
    }
  }

  /** The defaults: r = 8, m = 32, h = 64, no activation, no phi bias, contracted order. */
  public static DtrConfig defaults() {
    return new DtrConfig(DEFAULT_RANK, DEFAULT_EMBED_DIM, DEFAULT_HYPER_HIDDEN, HyperActivation.NONE,
        false, ThetaContraction.CONTRACTED);
  }

  /** This configuration with another activation. */
  public DtrConfig withActivation(HyperActivation a) {
    return new DtrConfig(rank, embedDim, hyperHidden, a, phiBias, contraction);
  }

  /** This configuration with another contraction order. */
  public DtrConfig withContraction(ThetaContraction c) {
    return new DtrConfig(rank, embedDim, hyperHidden, activation, phiBias, c);
  }

  /** This configuration with or without a phi bias. */
  public DtrConfig withPhiBias(boolean bias) {
    return new DtrConfig(rank, embedDim, hyperHidden, activation, bias, contraction);
  }

  /**
   * Length of one token's generated weight vector Theta_t for width d: 2 r d (Theta_down) + m r
   * (Theta_up).
   */
  public long thetaSize(int dModel) {
    return 2L * rank * dModel + (long) embedDim * rank;
  }

  /**
   * Throws unless a router of width {@code dModel} fits the plain-Java kernels, which index with
   * int: the largest tensor is W2 packed with its bias, [2 r d + m r, h + 1], which must stay below
   * 2^30 elements.
   */
  public void requireFits(int dModel) {
    positive("dModel", dModel);
    long packed = thetaSize(dModel) * (hyperHidden + 1L);
    if (packed > Integer.MAX_VALUE / 2) {
      throw new IllegalArgumentException(
          "hypernetwork output too large: (2 rank dModel + embedDim rank) (hyperHidden + 1) = "
              + packed + " elements (rank=" + rank + ", dModel=" + dModel + ", embedDim="
              + embedDim + ", hyperHidden=" + hyperHidden + ")");
    }
  }

  private static void positive(String what, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(what + " must be positive, got " + v);
    }
  }
}
