package org.evomoe.tensor;

import static org.evomoe.TestArrays.maxAbsDiff;
import static org.evomoe.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The fused Java kernels against ND4J's own element-wise ops. */
class KernelsTest {
  @Test
  void siluMulMatchesNd4jInFloatAndDouble() {
    for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      INDArray g = normal(1, t, 33, 129).muli(4);
      INDArray u = normal(2, t, 33, 129);
      INDArray h = Nd4j.createUninitialized(t, 33, 129);
      Kernels.siluMul(g, u, h);
      INDArray ref = Transforms.sigmoid(g, true).muli(g).muli(u);
      double tol = t == DataType.FLOAT ? 1e-5 : 1e-12;
      assertTrue(maxAbsDiff(h, ref) < tol, t + " diff " + maxAbsDiff(h, ref));
    }
  }

  @Test
  void kernelsHonourRowRangeViews() {
    INDArray g = normal(1, DataType.DOUBLE, 10, 8);
    INDArray u = normal(2, DataType.DOUBLE, 10, 8);
    INDArray gv = g.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(3, 7),
        org.nd4j.linalg.indexing.NDArrayIndex.all());
    INDArray uv = u.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(3, 7),
        org.nd4j.linalg.indexing.NDArrayIndex.all());
    INDArray h = Nd4j.zeros(DataType.DOUBLE, 4, 8);
    Kernels.siluMul(gv, uv, h);
    INDArray ref = Transforms.sigmoid(gv, true).muli(gv).muli(uv);
    assertTrue(maxAbsDiff(h, ref) < 1e-12);
  }
}
