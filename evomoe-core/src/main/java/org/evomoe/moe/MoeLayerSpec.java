package org.evomoe.moe;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.evolution.EvolutionConfig;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.DynamicTokenRouter;
import org.evomoe.router.Modalities;
import org.evomoe.router.Router;
import org.evomoe.router.RouterKind;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Everything that defines one MoE layer, each value once: its parameter prefix, sizes and routing
 * ({@link MoeConfig}, whose {@link RoutingConfig#routerKind()} picks the router), its tokens'
 * modalities, the DTR's own settings (only for the DTR), the Stage II evolution settings
 * (optional) and the data type. The
 * layer ({@link #newLayer}, {@link #upcycle}), its router ({@link #newRouter}), its parameter
 * names ({@link #parameterNames}) and its saved configuration ({@link
 * org.evomoe.checkpoint.MoeLayerCheckpoint}) all follow from it. Build one with {@link
 * #builder(String, int, int)} to name every value rather than pass a row of numbers.
 *
 * <p>Parameter names: the router's under {@code prefix.gate}, expert e's under {@code
 * prefix.experts.e} (docs/checkpoint-format.md).
 *
 * @param prefix parameter prefix of the MoE block, e.g. {@code model.layers.0.mlp}: non-empty, no
 *     whitespace, not starting or ending with a dot
 * @param config sizes and routing
 * @param modalities the modalities of the layer's tokens (null: {@link Modalities#IMAGE_TEXT});
 *     the modality-linear router and the DTR have one weight set per modality, named after it
 * @param dtr the DTR's settings: required (or null for {@link DtrConfig#defaults()}) when the
 *     router kind is {@link RouterKind#DTR}, and must be null for any other router
 * @param evolution Stage II settings for this layer's experts, or null; its expert count must be
 *     the layer's
 * @param dataType {@code FLOAT} or {@code DOUBLE}
 */
public record MoeLayerSpec(
    String prefix,
    MoeConfig config,
    Modalities modalities,
    DtrConfig dtr,
    EvolutionConfig evolution,
    DataType dataType) {
  public MoeLayerSpec {
    if (prefix == null || prefix.isEmpty() || prefix.startsWith(".") || prefix.endsWith(".")
        || prefix.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "prefix must be non-empty, without whitespace and not start or end with '.', got '" + prefix + "'");
    }
    if (config == null) {
      throw new IllegalArgumentException("config must not be null");
    }
    if (modalities == null) {
      modalities = Modalities.IMAGE_TEXT;
    }
    boolean isDtr = config.routing().routerKind() == RouterKind.DTR;
    if (isDtr && dtr == null) {
      dtr = DtrConfig.defaults();
    }
    if (isDtr) {
      dtr.requireFits(config.dModel());
    }
    if (!isDtr && dtr != null) {
      throw new IllegalArgumentException("DTR options given, but the router kind is "
          + config.routing().routerKind() + " (set routing.routerKind to DTR or drop the DTR options)");
    }
    if (evolution != null && evolution.numExperts() != config.numExperts()) {
      throw new IllegalArgumentException("evolution has beta ranges for " + evolution.numExperts()
          + " experts, the layer has numExperts=" + config.numExperts());
    }
    if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
      throw new IllegalArgumentException("dataType must be FLOAT or DOUBLE, got " + dataType);
    }
  }

  /** A builder for a layer of width {@code dModel} and expert hidden width {@code dHidden}. */
  public static Builder builder(String prefix, int dModel, int dHidden) {
    return new Builder(prefix, dModel, dHidden);
  }

  /** Prefix of the router's parameters: {@code prefix.gate}. */
  public String routerPrefix() {
    return prefix + ".gate";
  }

  /** Prefix of expert {@code e}'s parameters: {@code prefix.experts.e}. */
  public String expertPrefix(int e) {
    return prefix + ".experts." + e;
  }

  /** A freshly initialised router of the configured kind mapping x [T, d] to logits [T, E]. */
  public Router newRouter(SplittableRandom rng) {
    return config.routing().routerKind().create(routerPrefix(), config.dModel(),
        config.numExperts(), modalities, dtr, dataType, rng);
  }

  /** This spec under another parameter prefix (e.g. one per decoder layer). */
  public MoeLayerSpec withPrefix(String p) {
    return new MoeLayerSpec(p, config, modalities, dtr, evolution, dataType);
  }

  /**
   * This spec with another routing. DTR options are kept when the new routing is also the DTR,
   * dropped when it is not, and the defaults when it becomes the DTR.
   */
  public MoeLayerSpec withRouting(RoutingConfig routing) {
    DtrConfig d = routing.routerKind() == RouterKind.DTR ? dtr : null;
    return new MoeLayerSpec(prefix, config.withRouting(routing), modalities, d, evolution, dataType);
  }

  /** A freshly initialised layer: E independent experts [d -&gt; dHidden -&gt; d] and the router. */
  public MoeLayer newLayer(SplittableRandom rng) {
    List<SwiGluFfn> experts = new ArrayList<>(config.numExperts());
    for (int e = 0; e < config.numExperts(); e++) {
      experts.add(new SwiGluFfn(expertPrefix(e), config.dModel(), config.dHidden(), dataType, rng));
    }
    return new MoeLayer(config, newRouter(rng), experts);
  }

  /**
   * A freshly initialised dense SwiGLU FFN [d -&gt; dHidden -&gt; d] of this layer's sizes and data
   * type, named {@code prefix}: the seed to train in Stage I and {@link #upcycle} into the layer.
   */
  public SwiGluFfn newDenseFfn(SplittableRandom rng) {
    return new SwiGluFfn(prefix, config.dModel(), config.dHidden(), dataType, rng);
  }

  /**
   * A layer whose experts are all copies of {@code dense} (sparse upcycling, also the start of
   * Stage II: the seed and its copies), with a fresh router.
   */
  public MoeLayer upcycle(SwiGluFfn dense, SplittableRandom rng) {
    if (dense.gate().value().dataType() != dataType) {
      throw new IllegalArgumentException("dense FFN is " + dense.gate().value().dataType()
          + ", the spec's dataType is " + dataType);
    }
    return Upcycling.fromDense(dense, config, newRouter(rng), prefix);
  }

  /**
   * The names of the layer's parameters in {@link MoeLayer#parameters()} order. (Builds a small
   * throw-away layer of the same structure: the names do not depend on the sizes' values.)
   */
  public List<String> parameterNames() {
    List<String> names = new ArrayList<>();
    for (Parameter p : newLayer(new SplittableRandom(0)).parameters()) {
      names.add(p.name());
    }
    return names;
  }

  /**
   * Throws unless {@code layer} has this spec's configuration, router kind and parameter names
   * (for saving a layer under this spec).
   */
  public void requireMatches(MoeLayer layer) {
    if (!config.equals(layer.config())) {
      throw new IllegalArgumentException("layer config " + layer.config() + " differs from the spec's " + config);
    }
    RouterKind kind = RouterKind.of(layer.router());
    if (kind != config.routing().routerKind()) {
      throw new IllegalArgumentException("layer router is " + kind + ", the spec's is "
          + config.routing().routerKind());
    }
    if (!layer.modalities().equals(modalities)) {
      throw new IllegalArgumentException("layer modalities " + layer.modalities().names()
          + " differ from the spec's " + modalities.names());
    }
    if (layer.router() instanceof DynamicTokenRouter dtrRouter && !dtrRouter.config().equals(dtr)) {
      throw new IllegalArgumentException("layer DTR options " + dtrRouter.config()
          + " differ from the spec's " + dtr);
    }
    List<String> names = new ArrayList<>();
    for (Parameter p : layer.parameters()) {
      names.add(p.name());
      if (p.value().dataType() != dataType) {
        throw new IllegalArgumentException("parameter " + p.name() + " is " + p.value().dataType()
            + ", the spec's dataType is " + dataType);
      }
    }
    if (!names.equals(parameterNames())) {
      throw new IllegalArgumentException("layer parameter names " + names + " differ from the spec's "
          + parameterNames() + " (prefix '" + prefix + "')");
    }
  }

  /**
   * Names each value of a {@link MoeLayerSpec}. Defaults: 4 experts, {@link
   * RoutingConfig#evoMoe()} (top-1, alpha 0.001, DTR with {@link DtrConfig#defaults()}), the
   * modalities {@link Modalities#IMAGE_TEXT}, no evolution settings, {@code FLOAT}.
   */
  public static final class Builder {
    private final String prefix;
    private final int dModel;
    private final int dHidden;
    private int numExperts = 4;
    private RoutingConfig routing = RoutingConfig.evoMoe();
    private Modalities modalities = Modalities.IMAGE_TEXT;
    private DtrConfig dtr;
    private EvolutionConfig evolution;
    private Long paperEvolutionSeed;
    private DataType dataType = DataType.FLOAT;

    private Builder(String prefix, int dModel, int dHidden) {
      this.prefix = prefix;
      this.dModel = dModel;
      this.dHidden = dHidden;
    }

    /** Number of experts E (the seed included). */
    public Builder experts(int n) {
      this.numExperts = n;
      return this;
    }

    /** Top-k, renormalisation, loss weights and router kind. */
    public Builder routing(RoutingConfig r) {
      this.routing = r;
      return this;
    }

    /** The DTR's own settings (the router kind must be DTR). */
    public Builder dtr(DtrConfig options) {
      this.dtr = options;
      return this;
    }

    /** The modalities of the layer's tokens (default {@link Modalities#IMAGE_TEXT}). */
    public Builder modalities(Modalities m) {
      this.modalities = m;
      return this;
    }

    /** The modalities of the layer's tokens, by name in id order, e.g. image, text, audio. */
    public Builder modalities(String... names) {
      return modalities(Modalities.of(names));
    }

    /** Stage II settings: the paper's rule and beta ranges for this layer's E, with a seed. */
    public Builder paperEvolution(long seed) {
      this.evolution = null; // built in build(), once E is final
      this.paperEvolutionSeed = seed;
      return this;
    }

    /** Stage II settings given in full. */
    public Builder evolution(EvolutionConfig e) {
      this.evolution = e;
      this.paperEvolutionSeed = null;
      return this;
    }

    /** FLOAT or DOUBLE. */
    public Builder dataType(DataType t) {
      this.dataType = t;
      return this;
    }

    /** The validated spec. */
    public MoeLayerSpec build() {
      MoeConfig config = new MoeConfig(dModel, dHidden, numExperts, routing);
      EvolutionConfig evo = paperEvolutionSeed != null
          ? EvolutionConfig.paperDefaults(numExperts, paperEvolutionSeed) : evolution;
      return new MoeLayerSpec(prefix, config, modalities, dtr, evo, dataType);
    }
  }
}
