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
 * The driver model's state that the shards of a step compute with, broadcast to the executors
 * once per step: every parameter's value (in its own data type: {@code float[]} or {@code
 * double[]}), its trainable flag, and every MoE layer's forced expert; the layers' routing is
 * compared (it is part of the architecture, see {@link ShardWorkload#newModel}).
 */
final class ModelState implements Serializable {
  private static final long serialVersionUID = 1L;

  final String id; // unique per capture: a replica holding it skips the copy
  private final String[] names;
  private final long[][] shapes;
  private final Object[] values; // float[] or double[] per parameter
  private final boolean[] trainable;
  private final int[] forced;
  private final String[] routing; // RoutingConfig.toString() per MoE layer

  private ModelState(String id, String[] names, long[][] shapes, Object[] values,
      boolean[] trainable, int[] forced, String[] routing) {
    this.id = id;
    this.names = names;
    this.shapes = shapes;
    this.values = values;
    this.trainable = trainable;
    this.forced = forced;
    this.routing = routing;
  }

  /** A copy of {@code model}'s current state. */
  static ModelState capture(String id, TunableModel model) {
    List<Parameter> ps = model.parameters();
    int n = ps.size();
    String[] names = new String[n];
    long[][] shapes = new long[n][];
    Object[] values = new Object[n];
    boolean[] trainable = new boolean[n];
    for (int i = 0; i < n; i++) {
      Parameter p = ps.get(i);
      names[i] = p.name();
      shapes[i] = p.value().shape();
      DataType t = p.value().dataType();
      if (t == DataType.DOUBLE) {
        values[i] = p.value().ravel().toDoubleVector();
      } else if (t == DataType.FLOAT) {
        values[i] = p.value().ravel().toFloatVector();
      } else {
        throw new IllegalArgumentException("data-parallel training supports FLOAT and DOUBLE"
            + " parameters; " + p.name() + " is " + t);
      }
      trainable[i] = p.trainable();
    }
    List<MoeLayer> moe = model.moeLayers();
    int[] forced = new int[moe.size()];
    String[] routing = new String[moe.size()];
    for (int i = 0; i < forced.length; i++) {
      forced[i] = moe.get(i).forcedExpert();
      routing[i] = moe.get(i).routing().toString();
    }
    return new ModelState(id, names, shapes, values, trainable, forced, routing);
  }

  /** Bytes of parameter values this state carries (what a broadcast moves to each executor). */
  long valueBytes() {
    long b = 0;
    for (Object v : values) {
      b += v instanceof double[] d ? 8L * d.length : 4L * ((float[]) v).length;
    }
    return b;
  }

  /** Scalars of the trainable parameters (the length of a shard's gradient). */
  long trainableScalars() {
    long n = 0;
    for (int i = 0; i < values.length; i++) {
      if (trainable[i]) {
        n += values[i] instanceof double[] d ? d.length : ((float[]) values[i]).length;
      }
    }
    return n;
  }

  /**
   * Makes {@code replica} hold this state: values, trainable flags (frozen parameters lose their
   * gradient buffers), forced experts; zeroes the gradients of the trainable parameters.
   *
   * @throws IllegalStateException if the replica's parameters or routing differ from the driver's
   */
  void applyTo(TunableModel replica) {
    List<Parameter> ps = replica.parameters();
    if (ps.size() != names.length) {
      throw new IllegalStateException("the executor's model has " + ps.size()
          + " parameters, the driver's " + names.length + ": the workload builds another model");
    }
    List<MoeLayer> moe = replica.moeLayers();
    if (moe.size() != forced.length) {
      throw new IllegalStateException("the executor's model has " + moe.size()
          + " MoE layers, the driver's " + forced.length);
    }
    for (int i = 0; i < forced.length; i++) {
      String r = moe.get(i).routing().toString();
      if (!r.equals(routing[i])) {
        throw new IllegalStateException("MoE layer " + i + " of the executor's model routes with "
            + r + ", the driver's with " + routing[i]);
      }
    }
    for (int i = 0; i < names.length; i++) {
      Parameter p = ps.get(i);
      if (!p.name().equals(names[i]) || !Arrays.equals(p.value().shape(), shapes[i])) {
        throw new IllegalStateException("parameter " + i + " of the executor's model is "
            + p.name() + Arrays.toString(p.value().shape()) + ", the driver's " + names[i]
            + Arrays.toString(shapes[i]));
      }
      Object v = values[i];
      if (v instanceof double[] d) {
        p.value().assign(Nd4j.create(d, shapes[i], 'c').castTo(p.value().dataType()));
      } else {
        p.value().assign(Nd4j.create((float[]) v, shapes[i], 'c').castTo(p.value().dataType()));
      }
      p.setTrainable(trainable[i]);
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
   * The gradients of the trainable parameters, in model order, after {@code head} leading slots
   * (for the loss): [head + trainable scalars].
   */
  static double[] gradients(TunableModel replica, int head) {
    long n = 0;
    for (Parameter p : replica.parameters()) {
      if (p.trainable()) {
        n += p.length();
      }
    }
    double[] out = new double[Math.toIntExact(head + n)];
    int at = head;
    for (Parameter p : replica.parameters()) {
      if (p.trainable()) {
        double[] g = p.grad().ravel().toDoubleVector();
        System.arraycopy(g, 0, out, at, g.length);
        at += g.length;
      }
    }
    return out;
  }
}
