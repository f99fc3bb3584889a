package org.evomoe.moe;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.bytedeco.javacpp.Pointer;
import org.evomoe.TestArrays;
import org.evomoe.router.Modality;
import org.evomoe.tensor.StepWorkspace;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.evomoe.router.RouterKind;

/**
 * 1,000 forward+backward steps inside a step workspace must not grow off-heap memory: activations
 * live in the reused workspace block, and nothing the layer keeps grows with the step count.
 * JavaCPP's byte counter is read after a full collection (ND4J frees its small shape buffers only
 * when their Java owners are collected), so a retained reference shows up as growth.
 */
class MoeMemoryTest {
  @Test
  void thousandStepsKeepOffHeapMemoryFlat() {
    MoeConfig c = new MoeConfig(32, 48, 4, new RoutingConfig(2, false, 0.01, 0.001, RouterKind.LINEAR));
    MoeLayer moe = MoeLayerTest.randomMoe(c, DataType.FLOAT, 1);
    INDArray x = TestArrays.normal(1, DataType.FLOAT, 64, 32);
    INDArray dy = TestArrays.normal(2, DataType.FLOAT, 64, 32);
    Modality[] tags = Modality.all(64, Modality.TEXT);
    SplittableRandom rng = new SplittableRandom(3);
    long after50 = 0;
    for (int step = 0; step < 1000; step++) {
      try (MemoryWorkspace ignored = StepWorkspace.open("moe-memory-test")) {
        // Vary the routing (and so the per-expert batch sizes) from step to step.
        INDArray xs = x.mul(1.0 + rng.nextDouble());
        moe.forward(xs, tags);
        moe.backward(dy);
      }
      moe.zeroGrad();
      if (step == 49) {
        after50 = offHeapAfterGc();
      }
    }
    long growth = offHeapAfterGc() - after50;
    assertTrue(growth < 256 * 1024, "off-heap memory grew by " + growth + " bytes over 950 steps");
  }

  static long offHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return Pointer.totalBytes();
  }
}
