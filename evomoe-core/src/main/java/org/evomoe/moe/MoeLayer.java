package org.evomoe.moe;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.evomoe.nn.Layer;
import org.evomoe.nn.Shapes;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.Modalities;
import org.evomoe.router.Modality;
import org.evomoe.router.Router;
import org.evomoe.router.RouterKind;
import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.Kernels;
import org.evomoe.tensor.Parallel;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.ScopedArrays;
import org.evomoe.tensor.Threads;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Dropless sparse Mixture-of-Experts: router -> softmax -> top-k -> dispatch -> experts ->
 * combine.
 *
 * <p>Dispatch groups the tokens by expert (a counting sort of the T*k assignments), gathers each
 * expert's rows in one Java pass, runs the expert's gemms on only those rows, one expert after
 * the other (each product on the threads {@link Threads} sets), and adds the
 * gate-weighted outputs back per token. An expert that receives no token is skipped in forward and
 * backward. Gate weights are the raw probabilities of the chosen experts (renormalised over them
 * when {@link RoutingConfig#renormalize()} and k > 1).
 *
 * <p>Losses: the layer's {@link #auxLoss()} (load balancing, E * sum_i F_i G_i with F_i the share
 * of assignments routed to i and G_i the mean probability of i) and {@link #zLoss()} are computed
 * in forward; {@link #backward} adds the gradients of {@code auxLossWeight * auxLoss + zLossWeight
 * * zLoss}, whose value {@link #weightedLoss()} returns for the training loss.
 *
 * <p>Diagnostics hooks, all off by default and free while off: a {@linkplain
 * #setRoutingListener routing listener} that receives a {@link RoutingRecord} after every forward,
 * {@linkplain #setLogitShuffle logit shuffling} (the router shuffle test), and {@linkplain
 * #forceExpert forced experts} (standalone-expert evaluation).
 */
public final class MoeLayer implements Layer {
  private MoeConfig config;
  private final Router router; // x [T, d] -> logits [T, E]
  private final List<SwiGluFfn> experts; // E experts, d -> d

  private int forcedExpert = -1; // >= 0: every token to this expert, router bypassed
  private Consumer<RoutingRecord> routingListener; // null: nobody listens
  private Consumer<INDArray> inputListener; // null: nobody listens
  private RandomGenerator logitShuffle; // null: logits used as the router gives them
  private RoutingTotals batchTotals; // null: the losses are over this forward's tokens

  // Cached by forward:
  private RoutingPlan plan; // over the real rows only
  private Modality[] modalities; // the forward's tags of the real rows (a copy)
  private TokenMask mask; // the forward's mask
  private int totalRows; // T, real and padded
  private int[] shufflePerm; // [T*E] when shuffled: softmax input [t, j] = logits[t, perm[t*E+j]]
  private INDArray[] expertOut; // per expert [n_e, d] or null when it got no token
  private boolean routed; // whether the router ran (not forced)
  private double auxLoss;
  private double zLoss;
  private double lossTokens; // T of the loss means: this forward's, or the batch totals'
  private double[] loadShares; // F_i of the load-balancing loss [E]
  private final ScopedArrays scoped = new ScopedArrays(); // experts' inputs while decoding

  /**
   * @param router a router with {@code numExperts() == config.numExperts()}
   * @param experts E experts of width {@code config.dModel()} and {@code config.dHidden()}
   */
  public MoeLayer(MoeConfig config, Router router, List<SwiGluFfn> experts) {
    this.config = config;
    if (router.numExperts() != config.numExperts() || router.inputDim() != config.dModel()) {
      throw new IllegalArgumentException(
          "router maps " + router.inputDim() + " -> " + router.numExperts()
              + " but the config needs " + config.dModel() + " -> " + config.numExperts());
    }
    if (experts.size() != config.numExperts()) {
      throw new IllegalArgumentException(
          "expected " + config.numExperts() + " experts, got " + experts.size());
    }
    for (int e = 0; e < experts.size(); e++) {
      SwiGluFfn f = experts.get(e);
      if (f.dModel() != config.dModel() || f.dHidden() != config.dHidden()) {
        throw new IllegalArgumentException(
            "expert " + e + " is " + f.dModel() + "x" + f.dHidden() + ", config needs "
                + config.dModel() + "x" + config.dHidden());
      }
    }
    requireKind(config.routing(), router);
    this.router = router;
    this.experts = List.copyOf(experts);
  }

  private static void requireKind(RoutingConfig routing, Router router) {
    RouterKind actual = RouterKind.of(router);
    if (actual != null && actual != routing.routerKind()) {
      throw new IllegalArgumentException(
          "the routing names router kind " + routing.routerKind() + " but the layer's router is a "
              + router.getClass().getSimpleName() + " (" + actual + ")");
    }
  }

  public MoeConfig config() {
    return config;
  }

  /** The modalities this layer's tokens may have: its router's ({@link Router#modalities()}). */
  public Modalities modalities() {
    return router.modalities();
  }

  /** This layer's routing: {@code config().routing()}. */
  public RoutingConfig routing() {
    return config.routing();
  }

  /**
   * Replaces this layer's routing (top-k, renormalisation, loss weights). Training stages never
   * call it: a caller who wants another routing for a stage sets it here, explicitly.
   *
   * @throws IllegalArgumentException if top-k exceeds the expert count or the router kind does not
   *     match the layer's router
   */
  public void setRouting(RoutingConfig routing) {
    MoeConfig next = config.withRouting(routing);
    requireKind(routing, router);
    this.config = next;
  }

  public Router router() {
    return router;
  }

  /** The experts, index 0 first (in EvoMoE, expert 0 is the trainable seed). */
  public List<SwiGluFfn> experts() {
    return experts;
  }

  /**
   * Sends every token to expert {@code e} with gate 1 and bypasses the router (standalone-expert
   * evaluation; the dense seed FFN of expert evolution). {@code -1} restores routing.
   */
  public void forceExpert(int e) {
    if (e < -1 || e >= config.numExperts()) {
      throw new IllegalArgumentException(
          "forced expert must be -1 or in [0, " + config.numExperts() + "), got " + e);
    }
    this.forcedExpert = e;
  }

  /** The forced expert, or -1 when routing. */
  public int forcedExpert() {
    return forcedExpert;
  }

  /**
   * Calls {@code listener} at the end of every forward (routed or forced) with that forward's
   * {@link RoutingRecord}, the same content {@link #lastRouting()} returns. {@code null} removes
   * the listener; without one a forward builds no record.
   */
  public void setRoutingListener(Consumer<RoutingRecord> listener) {
    this.routingListener = listener;
  }

  /** The routing listener, or null. */
  public Consumer<RoutingRecord> routingListener() {
    return routingListener;
  }

  /**
   * Calls {@code listener} early in every forward that has at least one real token, before
   * routing and dispatch, with the real rows of the input, {@code x_real [R, d]} (padding
   * removed). The array is only valid during the call (it may live in the caller's workspace) and
   * must not be modified. Diagnostics use it to run every expert on the same tokens ({@link
   * org.evomoe.diagnostics.ExpertOutputSimilarity}); running the experts there is safe, because
   * the layer's own dispatch runs them again afterwards. {@code null} removes the listener.
   */
  public void setInputListener(Consumer<INDArray> listener) {
    this.inputListener = listener;
  }

  /** The input listener, or null. */
  public Consumer<INDArray> inputListener() {
    return inputListener;
  }

  /**
   * Router shuffle test: while {@code rng} is non-null, every routed forward permutes each token's
   * E router logits over the experts, with a fresh uniformly random permutation per token drawn
   * from {@code rng} (Fisher-Yates), before softmax and top-k. Each token keeps its multiset of
   * logits, hence its probabilities and gate values, but they land on random experts. {@code null}
   * turns shuffling off. Forced forwards are not affected.
   *
   * <p>Backward stays exact for the shuffled forward: the logit gradient is permuted back to the
   * router's expert order, so it is the gradient of the function that forward computed (the
   * permutation being fixed). Repeated forwards draw new permutations, so a gradient check must
   * re-seed {@code rng} before each forward.
   *
   * @param rng source of the permutations, used only by this layer while set; null = off
   */
  public void setLogitShuffle(RandomGenerator rng) {
    this.logitShuffle = rng;
  }

  /** The logit shuffling source, or null when off. */
  public RandomGenerator logitShuffle() {
    return logitShuffle;
  }

  /**
   * Data parallelism: makes the following forwards compute their auxiliary losses as this
   * forward's share of the losses of a larger batch whose routing counts are {@code totals} (this
   * forward's tokens included). The load shares {@code F_i} come from {@code totals}, and every
   * mean over tokens (the {@code G_i} of the load-balancing loss, the z-loss) divides by {@code
   * totals.tokens()}: the shards' {@link #auxLoss()}, {@link #zLoss()} and gradients then add up
   * to those of one forward over the whole batch. {@code null} (the default) goes back to this
   * forward's own tokens. Forced routing has no auxiliary loss and ignores it.
   *
   * @param totals the batch's totals, the sum of every shard's {@link #lastTotals()}, or null
   * @throws IllegalArgumentException if {@code totals} counts another number of experts
   */
  public void setBatchTotals(RoutingTotals totals) {
    if (totals != null && totals.experts() != config.numExperts()) {
      throw new IllegalArgumentException("batch routing totals count " + totals.experts()
          + " experts, the layer has " + config.numExperts());
    }
    this.batchTotals = totals;
  }

  /** The batch totals set by {@link #setBatchTotals}, or null. */
  public RoutingTotals batchTotals() {
    return batchTotals;
  }

  /**
   * The routing counts of the last forward over its real tokens (with forced routing, every token
   * to the forced expert).
   */
  public RoutingTotals lastTotals() {
    Shapes.requireForward("MoeLayer.lastTotals", plan);
    long[] a = new long[plan.numExperts];
    for (int i = 0; i < a.length; i++) {
      a[i] = plan.count(i);
    }
    return new RoutingTotals(plan.numTokens, a);
  }

  /**
   * x [T, d] -> y [T, d], every row real.
   *
   * @param modalities one tag per token, each one of {@link #modalities()}, passed to the router
   */
  public INDArray forward(INDArray x, Modality[] modalities) {
    return forward(x, modalities, TokenMask.allReal((int) x.size(0)));
  }

  /**
   * x [T, d] -> y [T, d] over the real rows of {@code mask}. Only the R real rows are routed and
   * dispatched (the router and the experts see them as one contiguous [R, d] block); a padded
   * row's output is 0, it costs no expert or router FLOPs, receives no gradient in {@link
   * #backward}, and enters neither the auxiliary losses ({@code F_i}, {@code G_i} and the z-loss
   * are means over real tokens) nor the {@link RoutingRecord}.
   *
   * @param modalities one tag per row [T], each one of {@link #modalities()} (padded rows
   *     included; their tags are otherwise ignored)
   * @param mask which rows are real; {@code mask.size() == T}
   * @throws IllegalArgumentException for a wrong shape, or a tag outside the layer's modalities
   *     (naming the token), before anything is allocated
   */
  public INDArray forward(INDArray x, Modality[] modalities, TokenMask mask) {
    Shapes.requireMatrix("MoE input", x, config.dModel());
    router.modalities().validate(modalities, x.size(0));
    if (mask == null) {
      throw new IllegalArgumentException("token mask must not be null (use TokenMask.allReal)");
    }
    mask.requireSize(x.size(0));
    INDArray xc = x.isView() || x.ordering() != 'c' ? x.dup('c') : x;
    int e = config.numExperts();
    int[] rows = mask.rowsView();
    int t = rows.length;
    this.mask = mask;
    this.totalRows = (int) xc.size(0);
    INDArray xr = xc; // the real rows [R, d]
    if (!mask.allReal()) {
      this.modalities = mask.select(modalities);
      xr = t == 0 ? null : Nd4j.createUninitialized(xc.dataType(), t, config.dModel());
      if (t > 0) {
        Kernels.gatherRows(xc, rows, xr);
      }
    } else {
      this.modalities = modalities.clone();
    }
    if (inputListener != null && t > 0) {
      inputListener.accept(xr);
    }
    INDArray y = routeAndRunExperts(xc, xr, t, e);
    if (routingListener != null) {
      routingListener.accept(RoutingRecord.of(plan, this.modalities, rows));
    }
    return y;
  }

  /**
   * Routes the real rows {@code xr} [t, d] (or forces them), runs the experts, and combines: the
   * forward after input checks.
   */
  private INDArray routeAndRunExperts(INDArray xc, INDArray xr, int t, int e) {
    shufflePerm = null;
    if (forcedExpert >= 0) {
      plan = RoutingPlan.forced(t, e, forcedExpert);
      routed = false;
      auxLoss = 0;
      zLoss = 0;
    } else {
      double[] l = t == 0
          ? new double[0]
          : logitsAsDoubles(router.forward(xr, this.modalities));
      if (logitShuffle != null) {
        shufflePerm = new int[t * e];
        l = shuffleRows(l, t, e, logitShuffle, shufflePerm);
      }
      plan = RoutingPlan.route(l, t, e, config.topK(), config.renormalize());
      routed = true;
      computeLosses();
    }
    int[] counts = new int[e];
    for (int i = 0; i < e; i++) {
      counts[i] = plan.tokens[i].length;
    }
    expertOut = new INDArray[e];
    INDArray[] xe = new INDArray[e];
    SwiGluFfn.ForwardArrays[] work = new SwiGluFfn.ForwardArrays[e];
    // Decoding (a few rows in a FrozenWeights scope): every expert's arrays are kept for the
    // scope and reused by the next forward (nothing here outlives it but the backward's state).
    boolean reuse = ScopedArrays.keeps(t, xc.dataType());
    for (int i = 0; i < e; i++) {
      if (counts[i] > 0) {
        xe[i] = reuse
            ? scoped.get(i, xc.dataType(), counts[i], config.dModel())
            : Nd4j.createUninitialized(xc.dataType(), counts[i], config.dModel());
        work[i] = reuse
            ? experts.get(i).reusableForward(counts[i], xc.dataType())
            : experts.get(i).allocateForward(counts[i], xc.dataType());
      }
    }
    runExperts(counts, i -> {
      Kernels.gatherRows(xr, plan.tokens[i], xe[i]);
      expertOut[i] = experts.get(i).forward(xe[i], work[i]);
    });
    return sumPerToken(expertOut, plan.gate, xc.dataType());
  }

  /** Runs {@code expert} for every expert with tokens, in expert order. */
  private static void runExperts(int[] counts, java.util.function.IntConsumer expert) {
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] > 0) {
        expert.accept(i);
      }
    }
  }

  /**
   * The router's logits [T, E] as T*E doubles, row-major: read straight from a dense FLOAT or
   * DOUBLE buffer (exact widening, as a cast to DOUBLE would give) without an ND4J cast and its
   * array; any other type or layout goes through the cast.
   */
  static double[] logitsAsDoubles(INDArray logits) {
    DataType type = logits.dataType();
    if ((type != DataType.FLOAT && type != DataType.DOUBLE) || !Buffers.isDense(logits)) {
      return logits.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }
    double[] out = new double[Math.toIntExact(logits.length())];
    Buffers.of(logits).read(0, out, 0, out.length);
    return out;
  }

  /**
   * Permutes each row of {@code logits} [T*E] independently; {@code perm} receives, per row, the
   * source expert of each position (out[t, j] = logits[t, perm[t*E+j]]).
   */
  private static double[] shuffleRows(
      double[] logits, int t, int e, RandomGenerator rng, int[] perm) {
    double[] out = new double[t * e];
    for (int tok = 0; tok < t; tok++) {
      int base = tok * e;
      for (int j = 0; j < e; j++) {
        perm[base + j] = j;
      }
      for (int j = e - 1; j > 0; j--) {
        int r = rng.nextInt(j + 1);
        int tmp = perm[base + j];
        perm[base + j] = perm[base + r];
        perm[base + r] = tmp;
      }
      for (int j = 0; j < e; j++) {
        out[base + j] = logits[base + perm[base + j]];
      }
    }
    return out;
  }

  private void computeLosses() {
    int t = plan.numTokens;
    int e = plan.numExperts;
    RoutingTotals totals = batchTotals;
    if (totals != null) {
      if (totals.tokens() < t) {
        throw new IllegalArgumentException("batch routing totals hold " + totals.tokens()
            + " tokens, fewer than the " + t + " real tokens of this forward");
      }
      for (int i = 0; i < e; i++) {
        if (totals.assignmentsOf(i) < plan.count(i)) {
          throw new IllegalArgumentException("batch routing totals give expert " + i + " "
              + totals.assignmentsOf(i) + " assignments, fewer than this forward's "
              + plan.count(i));
        }
      }
    }
    lossTokens = totals == null ? t : totals.tokens();
    loadShares = new double[e];
    if (t == 0) {
      auxLoss = 0;
      zLoss = 0;
      return;
    }
    double aux = 0;
    for (int i = 0; i < e; i++) {
      long count = totals == null ? plan.count(i) : totals.assignmentsOf(i);
      double f = count / (lossTokens * plan.topK);
      loadShares[i] = f;
      double g = 0;
      for (int r = 0; r < t; r++) {
        g += plan.probs[r * e + i];
      }
      aux += f * g / lossTokens;
    }
    auxLoss = e * aux;
    double z = 0;
    for (int r = 0; r < t; r++) {
      z += plan.logSumExp[r] * plan.logSumExp[r];
    }
    zLoss = z / lossTokens;
  }

  /**
   * dy [T, d] -> dx [T, d]. Reaches the experts (gate-scaled output gradients), the router
   * (through the gate weights and the auxiliary losses) and the input.
   */
  public INDArray backward(INDArray dy) {
    Shapes.requireForward("MoeLayer", plan);
    int t = plan.numTokens;
    int d = config.dModel();
    int k = plan.topK;
    int[] outRows = mask.rowsView();
    Shapes.requireShape("MoE output gradient", dy, totalRows, d);
    INDArray dyc = dy.isView() || dy.ordering() != 'c' ? dy.dup('c') : dy;
    return backwardExpertsAndRouter(dyc, t, d, k, outRows);
  }

  private INDArray backwardExpertsAndRouter(INDArray dyc, int t, int d, int k, int[] outRows) {
    Buffers bdy = Buffers.of(dyc);
    double[] dGate = new double[t * k];
    int experts = config.numExperts();
    INDArray[] dxe = new INDArray[experts];
    int[] counts = new int[experts];
    INDArray[] dyes = new INDArray[experts];
    SwiGluFfn.BackwardArrays[] work = new SwiGluFfn.BackwardArrays[experts];
    for (int e = 0; e < experts; e++) {
      if (expertOut[e] != null) {
        counts[e] = plan.assignments[e].length;
        dyes[e] = Nd4j.createUninitialized(dyc.dataType(), counts[e], d);
        work[e] = this.experts.get(e).allocateBackward(counts[e], dyc.dataType());
      }
    }
    runExperts(counts, e -> {
      int[] assign = plan.assignments[e];
      INDArray dye = dyes[e];
      Buffers bdye = Buffers.of(dye);
      Buffers bout = Buffers.of(expertOut[e]);
      Parallel.forRange(
          assign.length,
          64,
          (r0, r1) -> {
            double[] g = new double[d];
            double[] o = new double[d];
            for (int r = r0; r < r1; r++) {
              int a = assign[r];
              bdy.read((long) outRows[a / k] * d, g, 0, d);
              bout.read((long) r * d, o, 0, d);
              double dot = 0;
              double gate = plan.gate[a];
              for (int i = 0; i < d; i++) {
                dot += g[i] * o[i];
                g[i] *= gate;
              }
              dGate[a] = dot;
              bdye.write((long) r * d, g, 0, d);
            }
          });
      dxe[e] = this.experts.get(e).backward(dye, work[e]);
    });
    INDArray dx = sumPerToken(dxe, null, dyc.dataType());
    if (routed && t > 0) {
      INDArray dLogits = logitGradient(dGate, dyc.dataType());
      INDArray dxr = router.backward(dLogits); // [R, d]
      if (mask.allReal()) {
        dx.addi(dxr);
      } else {
        addRows(dx, outRows, dxr);
      }
    }
    return dx;
  }

  /** dst[rows[r]] += src[r] for every r, in plain Java (rows distinct). */
  private static void addRows(INDArray dst, int[] rows, INDArray src) {
    INDArray sc = src.isView() || src.ordering() != 'c' ? src.dup('c') : src;
    int d = (int) dst.size(1);
    Buffers bd = Buffers.of(dst);
    Buffers bs = Buffers.of(sc);
    Parallel.forRange(
        rows.length,
        64,
        (r0, r1) -> {
          double[] a = new double[d];
          double[] b = new double[d];
          for (int r = r0; r < r1; r++) {
            bd.read((long) rows[r] * d, a, 0, d);
            bs.read((long) r * d, b, 0, d);
            for (int i = 0; i < d; i++) {
              a[i] += b[i];
            }
            bd.write((long) rows[r] * d, a, 0, d);
          }
        });
  }

  /**
   * out[row(t)] = sum_j w(t, j) * rows[e(t, j)][slot(t, j)] for the real tokens t, 0 at padded
   * rows: the combine (w = gates) and the input-gradient scatter (w = null, i.e. 1). Parallel
   * over tokens, so deterministic. Returns [T, d] (T = real and padded rows).
   */
  private INDArray sumPerToken(INDArray[] rows, double[] weights, DataType type) {
    int d = config.dModel();
    int k = plan.topK;
    int t = plan.numTokens;
    int[] outRows = mask.rowsView();
    INDArray out = mask.allReal()
        ? Nd4j.createUninitialized(type, totalRows, d)
        : Nd4j.zeros(type, totalRows, d);
    Buffers bout = Buffers.of(out);
    Buffers[] b = buffersOf(rows);
    Parallel.forRange(
        t,
        64,
        (t0, t1) -> {
          double[] acc = new double[d];
          double[] row = new double[d];
          for (int tok = t0; tok < t1; tok++) {
            java.util.Arrays.fill(acc, 0);
            for (int j = 0; j < k; j++) {
              int a = tok * k + j;
              b[plan.expert[a]].read((long) plan.slot[a] * d, row, 0, d);
              double w = weights == null ? 1.0 : weights[a];
              for (int i = 0; i < d; i++) {
                acc[i] += w * row[i];
              }
            }
            bout.write((long) outRows[tok] * d, acc, 0, d);
          }
        });
    return out;
  }

  /**
   * Gradient of the logits from the gate gradients and the auxiliary losses: first d/dp (gates,
   * renormalisation, load balancing), then the softmax Jacobian, plus the z-loss term.
   */
  private INDArray logitGradient(double[] dGate, DataType type) {
    int t = plan.numTokens;
    int e = plan.numExperts;
    int k = plan.topK;
    double[] dp = new double[t * e];
    for (int tok = 0; tok < t; tok++) {
      if (plan.renormalized) {
        // g_j = p_j / S, S = sum of chosen p: dp_j = (dg_j - sum_i dg_i g_i) / S.
        double sum = 0;
        double dot = 0;
        for (int j = 0; j < k; j++) {
          int a = tok * k + j;
          sum += plan.probs[tok * e + plan.expert[a]];
          dot += dGate[a] * plan.gate[a];
        }
        for (int j = 0; j < k; j++) {
          int a = tok * k + j;
          dp[tok * e + plan.expert[a]] += (dGate[a] - dot) / sum;
        }
      } else {
        for (int j = 0; j < k; j++) {
          int a = tok * k + j;
          dp[tok * e + plan.expert[a]] += dGate[a];
        }
      }
    }
    double alpha = config.auxLossWeight();
    if (alpha != 0) {
      for (int i = 0; i < e; i++) {
        double gi = alpha * e * loadShares[i] / lossTokens; // d(alpha * L_aux) / d p[t, i]
        for (int tok = 0; tok < t; tok++) {
          dp[tok * e + i] += gi;
        }
      }
    }
    double zw = config.zLossWeight();
    double[] dl = new double[t * e];
    for (int tok = 0; tok < t; tok++) {
      int base = tok * e;
      double s = 0;
      for (int i = 0; i < e; i++) {
        s += plan.probs[base + i] * dp[base + i];
      }
      double z = zw * 2 * plan.logSumExp[tok] / lossTokens; // d(zw * L_z) / d lse_t
      for (int i = 0; i < e; i++) {
        double p = plan.probs[base + i];
        dl[base + i] = p * (dp[base + i] - s) + z * p;
      }
    }
    if (shufflePerm != null) { // back from the shuffled positions to the router's expert order
      double[] unshuffled = new double[t * e];
      for (int a = 0; a < t * e; a++) {
        unshuffled[(a / e) * e + shufflePerm[a]] = dl[a];
      }
      dl = unshuffled;
    }
    return Nd4j.create(dl, new long[] {t, e}, 'c').castTo(type);
  }

  private static Buffers[] buffersOf(INDArray[] arrays) {
    Buffers[] b = new Buffers[arrays.length];
    for (int i = 0; i < arrays.length; i++) {
      b[i] = arrays[i] == null ? null : Buffers.of(arrays[i]);
    }
    return b;
  }

  /**
   * Load-balancing loss of the last forward over its real tokens (unweighted; 0 when routing was
   * forced or no token was real).
   */
  public double auxLoss() {
    return auxLoss;
  }

  /** Router z-loss of the last forward, the mean over its real tokens (unweighted). */
  public double zLoss() {
    return zLoss;
  }

  /** auxLossWeight * auxLoss + zLossWeight * zLoss: this layer's share of the training loss. */
  public double weightedLoss() {
    return config.auxLossWeight() * auxLoss + config.zLossWeight() * zLoss;
  }

  /**
   * The routing decisions of the last forward (chosen experts, gates, probabilities, logits,
   * modality tags, tokens per expert). Built on request from the forward's plan, so routing costs
   * nothing extra when nobody asks.
   */
  public RoutingRecord lastRouting() {
    Shapes.requireForward("MoeLayer.lastRouting", plan);
    return RoutingRecord.of(plan, modalities, mask.rowsView());
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>(router.parameters());
    for (SwiGluFfn f : experts) {
      ps.addAll(f.parameters());
    }
    return Collections.unmodifiableList(ps);
  }
}
