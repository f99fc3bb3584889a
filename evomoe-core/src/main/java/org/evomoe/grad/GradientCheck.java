package org.evomoe.grad;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Finite-difference gradient checker in double precision. For each checked element it compares
 * the analytic gradient with the central difference (L(v + eps) - L(v - eps)) / (2 eps).
 *
 * <p>Typical use on a layer: loss = sum(forward(x) * R) for a fixed random R, so that the output
 * gradient is R; run forward and backward(R) once to get the analytic gradients, then call {@link
 * #check} with a loss that re-runs the forward.
 */
public final class GradientCheck {
  /** A tensor whose elements are perturbed, and its analytic gradient (same shape). */
  public record Target(String name, INDArray value, INDArray analytic) {
    public Target {
      if (value.dataType() != DataType.DOUBLE || analytic.dataType() != DataType.DOUBLE) {
        throw new IllegalArgumentException(
            "gradient check of " + name + " needs DOUBLE arrays, got " + value.dataType());
      }
      if (!java.util.Arrays.equals(value.shape(), analytic.shape())) {
        throw new IllegalArgumentException(
            "gradient of " + name + " has shape " + java.util.Arrays.toString(analytic.shape())
                + ", value has " + java.util.Arrays.toString(value.shape()));
      }
    }

    /** The value and gradient of a trainable parameter. */
    public static Target of(Parameter p) {
      return new Target(p.name(), p.value(), p.grad());
    }
  }

  /**
   * Settings.
   *
   * @param eps perturbation
   * @param relTol pass when {@code |a - n| / max(|a|, |n|) <= relTol} ...
   * @param absTol ... or when {@code |a - n| <= absTol}
   * @param maxPerTensor elements checked per tensor (a seeded random sample when larger)
   * @param seed sample seed
   */
  public record Options(double eps, double relTol, double absTol, int maxPerTensor, long seed) {
    public Options {
      if (!(eps > 0) || !(relTol > 0) || !(absTol >= 0) || maxPerTensor < 1) {
        throw new IllegalArgumentException(
            "invalid gradient check options: eps=" + eps + " relTol=" + relTol + " absTol="
                + absTol + " maxPerTensor=" + maxPerTensor);
      }
    }

    public static Options defaults() {
      return new Options(1e-6, 1e-5, 1e-8, 40, 7);
    }
  }

  /** One mismatch or the worst element of a tensor. */
  public record Element(String tensor, long index, double analytic, double numeric) {
    public double absError() {
      return Math.abs(analytic - numeric);
    }

    public double relError() {
      double den = Math.max(Math.abs(analytic), Math.abs(numeric));
      return den == 0 ? 0 : absError() / den;
    }
  }

  /** The outcome: every failing element and the worst relative error per tensor. */
  public record Report(List<Element> failures, List<Element> worst, int checked) {
    public boolean passed() {
      return failures.isEmpty();
    }

    /** Throws an AssertionError listing the failures. */
    public void assertPassed() {
      if (!passed()) {
        StringBuilder sb = new StringBuilder("gradient check failed for ");
        sb.append(failures.size()).append(" of ").append(checked).append(" elements:");
        for (Element e : failures.subList(0, Math.min(20, failures.size()))) {
          sb.append(String.format(Locale.ROOT, "%n  %s[%d] analytic=%.10g numeric=%.10g",
              e.tensor(), e.index(), e.analytic(), e.numeric()));
        }
        throw new AssertionError(sb.toString());
      }
    }
  }

  private GradientCheck() {}

  /**
   * Checks the targets' analytic gradients against central differences of {@code loss}.
   *
   * @param loss recomputes the scalar loss from the current tensor values; must not depend on
   *     anything else that changes between calls
   */
  public static Report check(DoubleSupplier loss, List<Target> targets, Options opt) {
    List<Element> failures = new ArrayList<>();
    List<Element> worst = new ArrayList<>();
    SplittableRandom rng = new SplittableRandom(opt.seed());
    int checked = 0;
    for (Target t : targets) {
      INDArray v = t.value();
      long n = v.length();
      long[] idx = pick(n, opt.maxPerTensor(), rng);
      // Read analytic values first: running the loss may overwrite nothing, but be safe.
      double[] a = new double[idx.length];
      INDArray flatGrad = t.analytic().dup('c').reshape(n);
      for (int i = 0; i < idx.length; i++) {
        a[i] = flatGrad.getDouble(idx[i]);
      }
      org.evomoe.tensor.Buffers.requireDense(v);
      org.nd4j.linalg.api.buffer.DataBuffer flat = v.data();
      long off = v.offset();
      Element w = null;
      for (int i = 0; i < idx.length; i++) {
        long k = idx[i];
        double orig = flat.getDouble(off + k);
        flat.put(off + k, orig + opt.eps());
        double lp = loss.getAsDouble();
        flat.put(off + k, orig - opt.eps());
        double lm = loss.getAsDouble();
        flat.put(off + k, orig);
        double num = (lp - lm) / (2 * opt.eps());
        Element e = new Element(t.name(), k, a[i], num);
        checked++;
        if (e.relError() > opt.relTol() && e.absError() > opt.absTol()) {
          failures.add(e);
        }
        if (w == null || e.relError() > w.relError()) {
          w = e;
        }
      }
      if (w != null) {
        worst.add(w);
      }
    }
    return new Report(failures, worst, checked);
  }

  private static long[] pick(long n, int max, SplittableRandom rng) {
    if (n <= max) {
      long[] all = new long[(int) n];
      for (int i = 0; i < n; i++) {
        all[i] = i;
      }
      return all;
    }
    java.util.TreeSet<Long> s = new java.util.TreeSet<>();
    while (s.size() < max) {
      s.add(rng.nextLong(n));
    }
    return s.stream().mapToLong(Long::longValue).toArray();
  }

  /** sum(y * r) in double: the scalar projection used to turn a layer output into a loss. */
  public static double dot(INDArray y, INDArray r) {
    return y.castTo(DataType.DOUBLE).mul(r.castTo(DataType.DOUBLE)).sumNumber().doubleValue();
  }
}
