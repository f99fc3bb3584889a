package org.evomoe.optim;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.evomoe.tensor.FrozenWeights;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.Scratch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * AdamW with decoupled weight decay, following {@code torch.optim.AdamW} (amsgrad off). For each
 * trainable parameter {@code p} with gradient {@code g}, at its {@code t}-th step:
 *
 * <pre>
 *   p &lt;- p - lr * wd * p                                  (decoupled decay, before the Adam step)
 *   m &lt;- beta1 * m + (1 - beta1) * g
 *   v &lt;- beta2 * v + (1 - beta2) * g * g
 *   p &lt;- p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * i.e. {@code p -= lr * mhat / (sqrt(vhat) + eps)} with eps added after the square root of the
 * bias-corrected second moment.
 *
 * <p>Only parameters that are trainable and have a gradient buffer are stepped. State ({@code m},
 * {@code v}, step count) is created lazily per parameter on its first step, so a parameter that is
 * frozen (or never received a gradient) has no optimiser state at all. A parameter frozen after
 * it had state keeps that state but is not stepped while frozen.
 *
 * <p>On the CPU backend, FLOAT and DOUBLE parameters are updated by one fused plain-Java pass
 * over the value, gradient and state buffers (arithmetic in double, stored in the parameter's
 * type). Other backends and data types use a short sequence of ND4J ops with the same formula.
 *
 * <p>The optimiser does not report the update it made. Callers that need it (expert evolution's
 * {@code PARTIAL_UPDATE} rule) snapshot the parameter before {@link #step()} and subtract, which
 * works for any optimiser and includes the weight decay.
 *
 * <p>Not thread-safe.
 */
public final class AdamW {
  /** Elements per bulk copy of the fused update (four arrays of this length per task). */
  private static final int BLOCK = 2048;

  private final AdamWConfig config;
  private final List<Parameter> parameters;
  private final Map<String, Parameter> byName;
  private final Map<String, Slot> state = new LinkedHashMap<>();
  private double learningRate;
  private boolean nd4jOpsOnly;

  /** Mutable per-parameter state; arrays live outside every workspace. */
  private static final class Slot {
    long step;
    final INDArray m;
    final INDArray v;

    Slot(long step, INDArray m, INDArray v) {
      this.step = step;
      this.m = m;
      this.v = v;
    }
  }

  /**
   * @param config hyper-parameters; its learning rate is the initial one
   * @param parameters the parameters this optimiser manages, with unique names; frozen ones may be
   *     included and are skipped while frozen
   */
  public AdamW(AdamWConfig config, List<Parameter> parameters) {
    this.config = Objects.requireNonNull(config, "AdamW config");
    Objects.requireNonNull(parameters, "AdamW parameters");
    Map<String, Parameter> names = new HashMap<>();
    for (Parameter p : parameters) {
      Objects.requireNonNull(p, "AdamW parameter");
      if (names.put(p.name(), p) != null) {
        throw new IllegalArgumentException("AdamW got parameter name " + p.name() + " twice");
      }
    }
    this.parameters = List.copyOf(parameters);
    this.byName = names;
    this.learningRate = config.learningRate();
  }

  public AdamWConfig config() {
    return config;
  }

  /** The managed parameters, in the order given. */
  public List<Parameter> parameters() {
    return parameters;
  }

  /** The learning rate the next {@link #step()} uses. */
  public double learningRate() {
    return learningRate;
  }

  /** Sets the learning rate for the following steps (typically from a schedule). */
  public void setLearningRate(double learningRate) {
    if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException(
          "AdamW learning rate must be finite and >= 0, got " + learningRate);
    }
    this.learningRate = learningRate;
  }

  /**
   * One AdamW step on every trainable parameter that has a gradient buffer.
   *
   * @throws IllegalStateException inside a {@link FrozenWeights} scope
   */
  public void step() {
    FrozenWeights.requireUnfrozen("AdamW.step");
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      for (Parameter p : parameters) {
        if (!p.trainable() || !p.hasGrad()) {
          continue;
        }
        Slot slot =
            state.computeIfAbsent(
                p.name(),
                k ->
                    new Slot(
                        0,
                        Nd4j.zeros(p.value().dataType(), p.value().shape()),
                        Nd4j.zeros(p.value().dataType(), p.value().shape())));
        slot.step++;
        update(p.value(), p.grad(), slot);
      }
    }
  }

  /** Zeroes the gradient buffers of all managed parameters. */
  public void zeroGrad() {
    for (Parameter p : parameters) {
      INDArray g = p.hasGrad() ? p.grad() : null;
      if (g != null && !g.isEmpty() && HostBuffers.usable(g)) {
        HostBuffers.zero(g); // no ND4J dispatch per parameter
      } else {
        p.zeroGrad();
      }
    }
  }

  /** Whether the named parameter has optimiser state (it has been stepped at least once). */
  public boolean hasState(String parameterName) {
    return state.containsKey(parameterName);
  }

  /** Names of the parameters that have state, in the order their state was created. */
  public Set<String> parametersWithState() {
    return Collections.unmodifiableSet(state.keySet());
  }

  /** A detached copy of one parameter's state, empty when it has none. */
  public Optional<AdamWParameterState> stateOf(String parameterName) {
    Slot s = state.get(parameterName);
    return s == null ? Optional.empty() : Optional.of(copyOut(s));
  }

  /**
   * Detached copies of all state, keyed by parameter name, for a checkpoint. Restoring it with
   * {@link #restoreState(Map)} into an optimiser over parameters with the same values resumes
   * bit-identically, provided the same parameters have gradient buffers ({@link #step()} skips a
   * parameter without one, even one with state; {@code StageTrainer.restoreState} gives every
   * parameter with state its buffer).
   */
  public Map<String, AdamWParameterState> exportState() {
    Map<String, AdamWParameterState> out = new LinkedHashMap<>();
    for (Map.Entry<String, Slot> e : state.entrySet()) {
      out.put(e.getKey(), copyOut(e.getValue()));
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * Replaces all state by copies of {@code saved}. Every key must name a managed, trainable
   * parameter whose value has the state's shape and data type; parameters absent from {@code
   * saved} start without state.
   *
   * @throws IllegalArgumentException naming the parameter on an unknown name, a frozen parameter,
   *     or a shape or data-type mismatch; nothing is changed in that case
   */
  public void restoreState(Map<String, AdamWParameterState> saved) {
    Objects.requireNonNull(saved, "AdamW state to restore");
    for (Map.Entry<String, AdamWParameterState> e : saved.entrySet()) {
      String name = e.getKey();
      Parameter p = byName.get(name);
      if (p == null) {
        throw new IllegalArgumentException(
            "AdamW state names parameter " + name + ", which this optimiser does not manage");
      }
      if (!p.trainable()) {
        throw new IllegalArgumentException(
            "AdamW state given for frozen parameter " + name + "; frozen parameters have none");
      }
      AdamWParameterState s = Objects.requireNonNull(e.getValue(), "AdamW state of " + name);
      if (!Arrays.equals(s.m().shape(), p.value().shape())
          || s.m().dataType() != p.value().dataType()) {
        throw new IllegalArgumentException(
            "AdamW state of "
                + name
                + " has shape "
                + Arrays.toString(s.m().shape())
                + " "
                + s.m().dataType()
                + " but the parameter is "
                + Arrays.toString(p.value().shape())
                + " "
                + p.value().dataType());
      }
    }
    clearState();
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      for (Parameter p : parameters) {
        AdamWParameterState s = saved.get(p.name());
        if (s != null) {
          state.put(p.name(), new Slot(s.step(), s.m().dup('c'), s.v().dup('c')));
        }
      }
    }
  }

  /** Drops (and frees) all optimiser state. */
  public void clearState() {
    for (Slot s : state.values()) {
      s.m.close();
      s.v.close();
    }
    state.clear();
  }

  /** Forces the ND4J-op path even where the fused loop applies (to test both paths agree). */
  void useNd4jOpsOnly(boolean nd4jOpsOnly) {
    this.nd4jOpsOnly = nd4jOpsOnly;
  }

  private static AdamWParameterState copyOut(Slot s) {
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      return new AdamWParameterState(s.step, s.m.dup('c'), s.v.dup('c'));
    }
  }

  private void update(INDArray p, INDArray g, Slot s) {
    if (p.isEmpty()) {
      return;
    }
    double lr = learningRate;
    double beta1 = config.beta1();
    double beta2 = config.beta2();
    double eps = config.eps();
    double decay = 1.0 - lr * config.weightDecay();
    double stepSize = lr / (1.0 - Math.pow(beta1, s.step));
    double sqrtBc2 = Math.sqrt(1.0 - Math.pow(beta2, s.step));
    if (!nd4jOpsOnly && HostBuffers.usable(p, g, s.m, s.v)) {
      int n = Math.toIntExact(p.length());
      if (p.dataType() == DataType.FLOAT) {
        FloatBuffer pb = HostBuffers.floats(p);
        FloatBuffer gb = HostBuffers.floats(g);
        FloatBuffer mb = HostBuffers.floats(s.m);
        FloatBuffer vb = HostBuffers.floats(s.v);
        HostBuffers.forRange(
            n,
            (from, to) -> {
              // Bulk copies in blocks: element-wise get/put on the direct buffers cost more than
              // the arithmetic. The formula and its order are unchanged (bit-identical results).
              int block = Math.min(BLOCK, to - from);
              float[] pa = Scratch.floats(0, block);
              float[] ga = Scratch.floats(1, block);
              float[] ma = Scratch.floats(2, block);
              float[] va = Scratch.floats(3, block);
              for (int b0 = from; b0 < to; b0 += block) {
                int len = Math.min(block, to - b0);
                pb.get(b0, pa, 0, len);
                gb.get(b0, ga, 0, len);
                mb.get(b0, ma, 0, len);
                vb.get(b0, va, 0, len);
                for (int i = 0; i < len; i++) {
                  double gi = ga[i];
                  float m = (float) (beta1 * ma[i] + (1.0 - beta1) * gi);
                  float v = (float) (beta2 * va[i] + (1.0 - beta2) * gi * gi);
                  ma[i] = m;
                  va[i] = v;
                  double denom = Math.sqrt(v) / sqrtBc2 + eps;
                  pa[i] = (float) (pa[i] * decay - stepSize * m / denom);
                }
                pb.put(b0, pa, 0, len);
                mb.put(b0, ma, 0, len);
                vb.put(b0, va, 0, len);
              }
            });
      } else {
        DoubleBuffer pb = HostBuffers.doubles(p);
        DoubleBuffer gb = HostBuffers.doubles(g);
        DoubleBuffer mb = HostBuffers.doubles(s.m);
        DoubleBuffer vb = HostBuffers.doubles(s.v);
        HostBuffers.forRange(
            n,
            (from, to) -> {
              int block = Math.min(BLOCK, to - from);
              double[] pa = Scratch.doubles(0, block);
              double[] ga = Scratch.doubles(1, block);
              double[] ma = Scratch.doubles(2, block);
              double[] va = Scratch.doubles(3, block);
              for (int b0 = from; b0 < to; b0 += block) {
                int len = Math.min(block, to - b0);
                pb.get(b0, pa, 0, len);
                gb.get(b0, ga, 0, len);
                mb.get(b0, ma, 0, len);
                vb.get(b0, va, 0, len);
                for (int i = 0; i < len; i++) {
                  double gi = ga[i];
                  double m = beta1 * ma[i] + (1.0 - beta1) * gi;
                  double v = beta2 * va[i] + (1.0 - beta2) * gi * gi;
                  ma[i] = m;
                  va[i] = v;
                  double denom = Math.sqrt(v) / sqrtBc2 + eps;
                  pa[i] = pa[i] * decay - stepSize * m / denom;
                }
                pb.put(b0, pa, 0, len);
                mb.put(b0, ma, 0, len);
                vb.put(b0, va, 0, len);
              }
            });
      }
      return;
    }
    // ND4J ops: the same formula, about ten ops, temporaries closed.
    if (decay != 1.0) {
      p.muli(decay);
    }
    try (INDArray scaledGrad = g.mul(1.0 - beta1)) {
      s.m.muli(beta1).addi(scaledGrad);
    }
    try (INDArray scaledSquare = g.mul(g).muli(1.0 - beta2)) {
      s.v.muli(beta2).addi(scaledSquare);
    }
    try (INDArray denom = Transforms.sqrt(s.v, true).divi(sqrtBc2).addi(eps);
        INDArray update = s.m.div(denom).muli(stepSize)) {
      p.subi(update);
    }
  }
}
