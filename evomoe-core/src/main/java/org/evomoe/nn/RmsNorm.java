package org.evomoe.nn;

import java.util.List;
import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.Init;
import org.evomoe.tensor.Parallel;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** y = x / sqrt(mean(x^2) + eps) * w, per row. One fused Java pass forward and backward. */
public final class RmsNorm implements Layer {
  private static final int DW_BLOCK = 16; // rows per partial weight-gradient sum
  private final int dim;
  private final double eps;
  private final Parameter weight; // [dim], initialised to ones
  private INDArray x; // cached input [T, dim]
  private double[] invRms; // cached 1/rms per row [T]

  public RmsNorm(String name, int dim, double eps, DataType type) {
    this.dim = Shapes.positive(name + " dim", dim);
    if (!(eps > 0)) {
      throw new IllegalArgumentException(name + " eps must be positive, got " + eps);
    }
    this.eps = eps;
    this.weight = new Parameter(name + ".weight", Init.ones(type, dim), true);
  }

  public Parameter weight() {
    return weight;
  }

  /** The weight as doubles, read from its memory (no ND4J op) when it is dense. */
  private double[] weightValues() {
    INDArray w = weight.value();
    if (!Buffers.isDense(w) || !Buffers.supports(w.dataType())) {
      return w.toDoubleVector();
    }
    double[] out = new double[dim];
    Buffers.of(w).read(0, out, 0, dim);
    return out;
  }

  /** x [T, dim] -> y [T, dim]. */
  public INDArray forward(INDArray x) {
    Shapes.requireMatrix(weight.name() + " input", x, dim);
    return forward(x, Nd4j.createUninitialized(x.dataType(), x.size(0), dim));
  }

  /**
   * As {@link #forward(INDArray)}, written into {@code y} (dense [T, dim], x's data type), which it
   * returns: for a caller that reuses its output arrays (decoding).
   */
  public INDArray forward(INDArray x, INDArray y) {
    Shapes.requireMatrix(weight.name() + " input", x, dim);
    Shapes.requireOutput(weight.name() + " output", y, x, x.size(0), dim);
    INDArray xd = x.isView() ? x.dup('c') : x;
    this.x = xd;
    int rows = (int) xd.size(0);
    double[] w = weightValues();
    double[] inv = new double[rows];
    Buffers bx = Buffers.of(xd);
    Buffers by = Buffers.of(y);
    Parallel.forRange(
        rows,
        16,
        (r0, r1) -> {
          double[] row = new double[dim];
          for (int r = r0; r < r1; r++) {
            bx.read((long) r * dim, row, 0, dim);
            double ss = 0;
            for (double v : row) {
              ss += v * v;
            }
            double ir = 1.0 / Math.sqrt(ss / dim + eps);
            inv[r] = ir;
            for (int i = 0; i < dim; i++) {
              row[i] = row[i] * ir * w[i];
            }
            by.write((long) r * dim, row, 0, dim);
          }
        });
    this.invRms = inv;
    return y;
  }

  /**
   * dy [T, dim] -> dx [T, dim]. With xhat = x / rms and g = dy * w: dx = (g - xhat * mean(g *
   * xhat)) / rms, dw = sum_t dy * xhat.
   */
  public INDArray backward(INDArray dy) {
    Shapes.requireForward(weight.name(), x);
    Shapes.requireShape(weight.name() + " output gradient", dy, x.size(0), dim);
    INDArray dyd = dy.isView() ? dy.dup('c') : dy;
    int rows = (int) x.size(0);
    INDArray dx = Nd4j.createUninitialized(x.dataType(), rows, dim);
    double[] w = weightValues();
    boolean needDw = weight.trainable();
    Buffers bx = Buffers.of(x);
    Buffers bdy = Buffers.of(dyd);
    Buffers bdx = Buffers.of(dx);
    // The weight gradient sums over rows: partial sums per fixed block of rows, added in block
    // order, so the result does not depend on the thread count.
    int blocks = (rows + DW_BLOCK - 1) / DW_BLOCK;
    double[][] partialDw = new double[Math.max(1, blocks)][];
    Parallel.forRange(
        blocks,
        1,
        (b0, b1) -> {
          double[] xr = new double[dim];
          double[] g = new double[dim];
          for (int blk = b0; blk < b1; blk++) {
            double[] dw = needDw ? new double[dim] : null;
            for (int r = blk * DW_BLOCK; r < Math.min(rows, (blk + 1) * DW_BLOCK); r++) {
              bx.read((long) r * dim, xr, 0, dim);
              bdy.read((long) r * dim, g, 0, dim);
              double ir = invRms[r];
              double dot = 0;
              for (int i = 0; i < dim; i++) {
                double xh = xr[i] * ir;
                if (dw != null) {
                  dw[i] += g[i] * xh;
                }
                g[i] *= w[i];
                dot += g[i] * xh;
                xr[i] = xh;
              }
              double m = dot / dim;
              for (int i = 0; i < dim; i++) {
                g[i] = (g[i] - xr[i] * m) * ir;
              }
              bdx.write((long) r * dim, g, 0, dim);
            }
            partialDw[blk] = dw;
          }
        });
    if (needDw) {
      double[] total = new double[dim];
      for (double[] p : partialDw) {
        if (p != null) {
          for (int i = 0; i < dim; i++) {
            total[i] += p[i];
          }
        }
      }
      INDArray g = weight.grad();
      Buffers bg = Buffers.of(g);
      double[] cur = new double[dim];
      bg.read(0, cur, 0, dim);
      for (int i = 0; i < dim; i++) {
        cur[i] += total[i];
      }
      bg.write(0, cur, 0, dim);
    }
    return dx;
  }

  @Override
  public List<Parameter> parameters() {
    return List.of(weight);
  }
}
