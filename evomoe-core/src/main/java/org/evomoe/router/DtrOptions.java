package org.evomoe.router;

/**
 * The Dynamic Token-aware Router's own settings, without the layer's width and expert count (those
 * belong to the layer and are added by {@link #toConfig}), so that a layer specification states
 * each value once.
 *
 * @param rank bottleneck rank r, &gt;= 1
 * @param embedDim embedding width m, &gt;= 1
 * @param hyperHidden hypernetwork hidden width h, &gt;= 1
 * @param activation activation of the hypernetwork's hidden layer
 * @param phiBias whether phi (m -&gt; E) has a bias
 * @param contraction evaluation order of Theta_down z (both give the same result)
 */
public record DtrOptions(
    int rank,
    int embedDim,
    int hyperHidden,
    HyperActivation activation,
    boolean phiBias,
    ThetaContraction contraction) {
  public DtrOptions {
    if (rank < 1 || embedDim < 1 || hyperHidden < 1) {
      throw new IllegalArgumentException("DTR rank, embedDim and hyperHidden must be >= 1, got rank="
          + rank + ", embedDim=" + embedDim + ", hyperHidden=" + hyperHidden);
    }
    if (activation == null) {
      throw new IllegalArgumentException("DTR activation must not be null");
    }
    if (contraction == null) {
      throw new IllegalArgumentException("DTR contraction must not be null");
    }
  }

  /** The defaults of {@link DtrConfig#defaults}: r = 8, m = 32, h = 64, no activation, no phi bias. */
  public static DtrOptions defaults() {
    return of(DtrConfig.defaults(1, 1));
  }

  /** The options of a full DTR configuration (its width and expert count dropped). */
  public static DtrOptions of(DtrConfig c) {
    return new DtrOptions(c.rank(), c.embedDim(), c.hyperHidden(), c.activation(), c.phiBias(),
        c.contraction());
  }

  /** The full configuration for a layer of width {@code dModel} and {@code numExperts} experts. */
  public DtrConfig toConfig(int dModel, int numExperts) {
    return new DtrConfig(dModel, numExperts, rank, embedDim, hyperHidden, activation, phiBias,
        contraction);
  }
}
