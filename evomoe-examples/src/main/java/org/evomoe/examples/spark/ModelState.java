package org.evomoe.examples.spark;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.evomoe.moe.MoeLayer;
import org.evomoe.tensor.Parameter;
import org.evomoe.tuning.TunableModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The driver model's state that the shards of a step compute with. A stage broadcasts one
 * <em>base</em> state (every parameter's value in its own data type, {@code float[]} or {@code
 * double[]}, and the MoE layers' routing, which is compared: it is part of the architecture, see
 * {@link ShardWorkload#newModel}) and then, per step, a <em>delta</em>: the values of the trainable
 * parameters and of any frozen one that changed since the base (expert evolution moves frozen
 * experts). Both carry the trainable flags and forced experts.
 */
final class ModelState implements Serializable {
  private static final long serialVersionUID = 2L;

  final String id; // unique per capture: a replica holding it skips the copy
  final String baseId; // this state's base (its own id for a base)
  private final String[] names; // of every parameter (base only, else null)
  private final String[] routing; // RoutingConfig.toString() per MoE layer (base only)
  private final int[] indices; // the parameters whose values this state carries
  private final Object[] values; // float[] or double[] per entry of indices
  private final boolean[] trainable; // per parameter
  private final int[] forced; // per MoE layer

  private ModelState(String id, String baseId, String[] names, String[] routing, int[] indices,
      Object[] values, boolean[] trainable, int[] forced) {
    this.id = id;
    this.baseId = baseId;
    this.names = names;
    this.routing = routing;
    this.indices = indices;
    this.values = values;
    this.trainable = trainable;
    this.forced = forced;
  }

  /** A base state: a copy of every value of {@code model}. */
  static ModelState base(String id, TunableModel model) {
    List<Parameter> ps = model.parameters();
    int n = ps.size();
    String[] names = new String[n];
    int[] all = new int[n];
    for (int i = 0; i < n; i++) {
      names[i] = ps.get(i).name();
      all[i] = i;
    }
    List<MoeLayer> moe = model.moeLayers();
    String[] routing = new String[moe.size()];
    for (int i = 0; i < routing.length; i++) {
      routing[i] = moe.get(i).routing().toString();
    }
    return new ModelState(id, id, names, routing, all, values(ps, all), flags(ps), forced(model));
  }

  /**
   * A delta on {@code base}: the values of the trainable parameters and of the frozen ones whose
   * values differ from the base's.
   */
  static ModelState delta(String id, ModelState base, TunableModel model) {
    List<Parameter> ps = model.parameters();
    int[] carried = new int[ps.size()];
    Object[] vals = new Object[ps.size()];
    int k = 0;
    for (int i = 0; i < ps.size(); i++) {
      Parameter p = ps.get(i);
      Object v = value(p);
      if (p.trainable() || !sameValues(v, base.values[i])) {
        carried[k] = i;
        vals[k++] = v;
      }
    }
    return new ModelState(id, base.id, null, null, Arrays.copyOf(carried, k),
        Arrays.copyOf(vals, k), flags(ps), forced(model));
  }

  private static Object[] values(List<Parameter> ps, int[] indices) {
    Object[] v = new Object[indices.length];
    for (int i = 0; i < indices.length; i++) {
      v[i] = value(ps.get(indices[i]));
    }
    return v;
  }

  private static Object value(Parameter p) {
    DataType t = p.value().dataType();
    if (t == DataType.DOUBLE) {
      return p.value().ravel().toDoubleVector();
    }
    if (t == DataType.FLOAT) {
      return p.value().ravel().toFloatVector();
    }
    throw new IllegalArgumentException("data-parallel training supports FLOAT and DOUBLE"
        + " parameters; " + p.name() + " is " + t);
  }

  private static boolean sameValues(Object a, Object b) {
    return a instanceof float[] f ? Arrays.equals(f, (float[]) b)
        : Arrays.equals((double[]) a, (double[]) b);
  }

  private static boolean[] flags(List<Parameter> ps) {
    boolean[] t = new boolean[ps.size()];
    for (int i = 0; i < t.length; i++) {
      t[i] = ps.get(i).trainable();
    }
    return t;
  }

  private static int[] forced(TunableModel model) {
    return model.moeLayers().stream().mapToInt(MoeLayer::forcedExpert).toArray();
  }

  /** The parameters whose values this state carries (a copy). */
  int[] indices() {
    return indices.clone();
  }

  /** Whether this state carries the values of every parameter in {@code parameters}. */
  boolean carriesAll(int[] parameters) {
    for (int p : parameters) {
      if (Arrays.binarySearch(indices, p) < 0) {
        return false;
      }
    }
    return true;
  }

  /** Bytes of parameter values this state carries (what a broadcast moves to each executor). */
  long valueBytes() {
    long b = 0;
    for (Object v : values) {
      b += v instanceof double[] d ? 8L * d.length : 4L * ((float[]) v).length;
    }
    return b;
  }

  /**
   * Makes {@code replica} hold this state: the values carried, trainable flags (frozen parameters
   * lose their gradient buffers), forced experts. A base also checks that the replica has the
   * driver's parameters and routing.
   *
   * @throws IllegalStateException if the replica's parameters or routing differ from the driver's
   */
  void applyTo(TunableModel replica) {
    List<Parameter> ps = replica.parameters();
    List<MoeLayer> moe = replica.moeLayers();
    if (ps.size() != trainable.length || moe.size() != forced.length) {
      throw new IllegalStateException("the executor's model has " + ps.size() + " parameters and "
          + moe.size() + " MoE layers, the driver's " + trainable.length + " and " + forced.length
          + ": the workload builds another model");
    }
    if (names != null) {
      for (int i = 0; i < routing.length; i++) {
        String r = moe.get(i).routing().toString();
        if (!r.equals(routing[i])) {
          throw new IllegalStateException("MoE layer " + i + " of the executor's model routes"
              + " with " + r + ", the driver's with " + routing[i]);
        }
      }
    }
    for (int k = 0; k < indices.length; k++) {
      Parameter p = ps.get(indices[k]);
      if (names != null && !p.name().equals(names[indices[k]])) {
        throw new IllegalStateException("parameter " + indices[k] + " of the executor's model is "
            + p.name() + ", the driver's " + names[indices[k]]);
      }
      Object v = values[k];
      long[] shape = p.value().shape();
      long len = v instanceof double[] d ? d.length : ((float[]) v).length;
      if (len != p.length()) {
        throw new IllegalStateException("parameter " + p.name() + " of the executor's model has "
            + p.length() + " scalars, the driver's " + len);
      }
      p.value().assign(v instanceof double[] d ? Nd4j.create(d, shape, 'c')
          : Nd4j.create((float[]) v, shape, 'c'));
    }
    for (int i = 0; i < trainable.length; i++) {
      ps.get(i).setTrainable(trainable[i]);
    }
    for (int i = 0; i < forced.length; i++) {
      moe.get(i).forceExpert(forced[i]);
    }
  }

  /** Zeroes (allocating outside any workspace) the gradients of the trainable parameters. */
  static void zeroGradients(TunableModel replica) {
    for (Parameter p : replica.parameters()) {
      if (p.trainable()) {
        p.grad().assign(0);
      }
    }
  }

  /**
   * The shard's result: its weight and loss and the gradients of the trainable parameters in model
   * order, in the model's precision (the sum scales them by the weight, in double).
   */
  static ShardVector gradients(TunableModel replica, double weight, double loss) {
    List<Parameter> ps = replica.parameters();
    long n = 0;
    boolean doubles = false;
    for (Parameter p : ps) {
      if (p.trainable()) {
        n += p.length();
        doubles |= p.value().dataType() == DataType.DOUBLE;
      }
    }
    int len = Math.toIntExact(n);
    float[] f = doubles ? null : new float[len];
    double[] d = doubles ? new double[len] : null;
    int at = 0;
    for (Parameter p : ps) {
      if (!p.trainable()) {
        continue;
      }
      if (doubles) {
        double[] g = p.grad().ravel().castTo(DataType.DOUBLE).toDoubleVector();
        System.arraycopy(g, 0, d, at, g.length);
        at += g.length;
      } else {
        float[] g = p.grad().ravel().castTo(DataType.FLOAT).toFloatVector();
        System.arraycopy(g, 0, f, at, g.length);
        at += g.length;
      }
    }
    return new ShardVector(weight, loss, f, d);
  }
}
