package org.evomoe.router;

/**
 * Configuration of a {@link DynamicTokenRouter}. The paper fixes none of r, m or the hypernetwork
 * width; the defaults of {@link #defaults(int, int)} (r = 8, m = 32, h = 64) target d = 64..512
 * and are explained in docs/routers.md.
 *
 * @param dModel d, the token width
 * @param numExperts E, the number of logits
 * @param rank r: the generated bottleneck maps d -> 2r (SwiGLU gate and up halves) -> r -> m
 * @param embedDim m: width of the token embedding e_t fed to the shared linear layer phi
 * @param hyperHidden h: hidden width of each modality's hypernetwork (z -> h -> Theta)
 * @param activation between the hypernetwork's two layers ({@link HyperActivation#NONE} as in the
 *     paper)
 * @param phiBias whether phi (m -> E) has a bias (default false, like the linear routers)
 * @param contraction evaluation order of Theta_down z ({@link ThetaContraction#CONTRACTED} by
 *     default; both give the same result)
 */
public record DtrConfig(
    int dModel,
    int numExperts,
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
    positive("dModel", dModel);
    positive("numExperts", numExperts);
    positive("rank", rank);
    positive("embedDim", embedDim);
    positive("hyperHidden", hyperHidden);
    if (activation == null) {
      throw new IllegalArgumentException("activation must not be null");
    }
    if (contraction == null) {
      throw new IllegalArgumentException("contraction must not be null");
    }
    // Plain-Java kernels index with int: the largest tensors are W2 packed with its bias,
    // [2r d + m r, h + 1], and the contracted product [T, 2r (h + 1)].
    long theta = 2L * rank * dModel + (long) embedDim * rank;
    long packed = theta * (hyperHidden + 1L);
    if (packed > Integer.MAX_VALUE / 2) {
      throw new IllegalArgumentException(
          "hypernetwork output too large: (2 rank dModel + embedDim rank) (hyperHidden + 1) = "
              + packed + " elements (rank=" + rank + ", dModel=" + dModel + ", embedDim="
              + embedDim + ", hyperHidden=" + hyperHidden + ")");
    }
  }

  /** The defaults: r = 8, m = 32, h = 64, no activation, no phi bias, contracted order. */
  public static DtrConfig defaults(int dModel, int numExperts) {
    return new DtrConfig(
        dModel,
        numExperts,
        DEFAULT_RANK,
        DEFAULT_EMBED_DIM,
        DEFAULT_HYPER_HIDDEN,
        HyperActivation.NONE,
        false,
        ThetaContraction.CONTRACTED);
  }

  /** This configuration with another activation. */
  public DtrConfig withActivation(HyperActivation a) {
    return new DtrConfig(dModel, numExperts, rank, embedDim, hyperHidden, a, phiBias, contraction);
  }

  /** This configuration with another contraction order. */
  public DtrConfig withContraction(ThetaContraction c) {
    return new DtrConfig(dModel, numExperts, rank, embedDim, hyperHidden, activation, phiBias, c);
  }

  /** This configuration with or without a phi bias. */
  public DtrConfig withPhiBias(boolean bias) {
    return new DtrConfig(dModel, numExperts, rank, embedDim, hyperHidden, activation, bias, contraction);
  }

  /** Length of one token's generated weight vector Theta_t: 2 r d (Theta_down) + m r (Theta_up). */
  public int thetaSize() {
    return 2 * rank * dModel + embedDim * rank;
  }

  private static void positive(String what, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(what + " must be positive, got " + v);
    }
  }
}
