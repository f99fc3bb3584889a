package org.evomoe.examples.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.evomoe.grad.GradientCheck;
import org.evomoe.grad.GradientCheck.Target;
import org.evomoe.nn.Layer;
import org.evomoe.tensor.Init;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Seeded arrays and finite-difference utilities shared by the model tests (double precision). */
final class Grad {
  static final DataType D = DataType.DOUBLE;

  private Grad() {}

  static INDArray normal(long seed, long... shape) {
    return Init.normal(new SplittableRandom(seed), 1.0, D, shape);
  }

  static double maxAbsDiff(INDArray a, INDArray b) {
    return a.castTo(D).sub(b.castTo(D)).amaxNumber().doubleValue();
  }

  /** Targets: the given (name, value, gradient) triples plus every parameter that has a gradient. */
  static List<Target> targets(Layer layer, Target... extra) {
    List<Target> t = new ArrayList<>(List.of(extra));
    for (Parameter p : layer.parameters()) {
      if (p.trainable() && p.hasGrad()) {
        t.add(Target.of(p));
      }
    }
    return t;
  }

  /**
   * Runs the check with the default tolerances, eps = 1e-5 (round-off of the larger composite losses
   * dominates at 1e-6) and at most {@code perTensor} elements per tensor.
   */
  static void check(DoubleSupplier loss, List<Target> targets, int perTensor) {
    GradientCheck.Options d = GradientCheck.Options.defaults();
    GradientCheck.check(loss, targets,
            new GradientCheck.Options(1e-5, d.relTol(), d.absTol(), perTensor, d.seed()))
        .assertPassed();
  }

  /** Asserts that every trainable parameter of {@code layer} got a non-zero gradient. */
  static void assertAllParametersReached(Layer layer) {
    for (Parameter p : layer.parameters()) {
      if (p.trainable()) {
        if (!p.hasGrad() || p.grad().amaxNumber().doubleValue() == 0.0) {
          throw new AssertionError("parameter " + p.name() + " received no gradient");
        }
      }
    }
  }
}
