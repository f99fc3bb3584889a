package org.evomoe.moe;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.Pointer;
import org.evomoe.router.Modality;
import org.evomoe.tensor.Init;
import org.evomoe.tensor.StepWorkspace;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.evomoe.router.RouterKind;

/**
 * 1,000 forward+backward steps inside a step workspace must not grow off-heap memory: activations
 * live in the reused workspace block, and nothing the layer keeps grows with the step count.
 * Every step has fresh inputs, a different token count (16 to 96) and so different routing and
 * per-expert batch sizes (the test checks that they do vary); every seventh step's tokens are
 * nearly identical, so they all pick the same experts and the others get no token.
 * The first step has the largest token count, so the workspace block reaches its final size there.
 * JavaCPP's byte counter is read after a full collection (ND4J frees its small shape buffers only
 * when their Java owners are collected), so a retained reference shows up as growth.
 */
class MoeMemoryTest {
  static final int MAX_TOKENS = 96;

  @Test
  void thousandStepsWithChangingRoutingKeepOffHeapMemoryFlat() {
    MoeConfig c = new MoeConfig(32, 48, 4, new RoutingConfig(2, false, 0.01, 0.001, RouterKind.LINEAR));
    MoeLayer moe = MoeLayerTest.randomMoe(c, DataType.FLOAT, 1);
    SplittableRandom rng = new SplittableRandom(3);
    Set<String> countPatterns = new HashSet<>();
    Set<Integer> tokenCounts = new HashSet<>();
    int stepsWithIdleExpert = 0;
    long after50 = 0;
    for (int step = 0; step < 1000; step++) {
      int t = step == 0 ? MAX_TOKENS : 16 + rng.nextInt(MAX_TOKENS - 16 + 1);
      tokenCounts.add(t);
      Modality[] tags = new Modality[t];
      for (int i = 0; i < t; i++) {
        tags[i] = rng.nextBoolean() ? Modality.IMAGE : Modality.TEXT;
      }
      int[] counts = new int[c.numExperts()];
      try (MemoryWorkspace ignored = StepWorkspace.open("moe-memory-test")) {
        INDArray x = Init.normal(rng, 1.0 + rng.nextDouble(), DataType.FLOAT, t, c.dModel());
        if (step % 7 == 3) { // near-identical tokens: all go to the same experts, the others idle
          x.muli(0.01).addiRowVector(Init.normal(rng, 1.0, DataType.FLOAT, c.dModel()));
        }
        INDArray dy = Init.normal(rng, 1.0, DataType.FLOAT, t, c.dModel());
        moe.forward(x, tags);
        RoutingRecord r = moe.lastRouting();
        for (int i = 0; i < t; i++) {
          for (int j = 0; j < c.topK(); j++) {
            counts[r.expert(i, j)]++;
          }
        }
        moe.backward(dy);
      }
      moe.zeroGrad();
      countPatterns.add(Arrays.toString(counts));
      if (Arrays.stream(counts).anyMatch(n -> n == 0)) {
        stepsWithIdleExpert++;
      }
      if (step == 49) {
        after50 = offHeapAfterGc();
      }
    }
    long growth = offHeapAfterGc() - after50;
    assertTrue(tokenCounts.size() > 60, "token counts varied: " + tokenCounts.size());
    assertTrue(countPatterns.size() > 500, "per-expert batch sizes varied: " + countPatterns.size() + " patterns");
    assertTrue(stepsWithIdleExpert > 0, "some step left an expert without tokens");
    // Measured: 0 bytes. A leaked shape buffer per step (about 100 bytes) would exceed the bound.
    assertTrue(growth < 32 * 1024, "off-heap memory grew by " + growth + " bytes over 950 steps");
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
