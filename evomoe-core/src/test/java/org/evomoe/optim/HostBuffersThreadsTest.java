package org.evomoe.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.evomoe.tensor.Threads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fused element-wise kernels (AdamW's) split long arrays over the library's threads only: one
 * thread means the calling thread alone, and no chunk ever runs on the common fork-join pool
 * (which a parallel stream would use whatever the user asked for).
 */
class HostBuffersThreadsTest {
  @AfterEach
  void restore() {
    Threads.set(Integer.getInteger("evomoe.threads", 1));
  }

  @ParameterizedTest(name = "{0} threads")
  @ValueSource(ints = {1, 2})
  void longArraysUseOnlyTheConfiguredThreads(int threads) {
    Threads.set(threads);
    int length = 5 * HostBuffers.PARALLEL_THRESHOLD + 123;
    for (int rep = 0; rep < 10; rep++) {
      Set<String> names = ConcurrentHashMap.newKeySet();
      AtomicLong covered = new AtomicLong();
      HostBuffers.forRange(length, (a, b) -> {
        names.add(Thread.currentThread().getName());
        covered.addAndGet(b - a);
      });
      assertEquals(length, covered.get(), "every element once");
      if (threads == 1) {
        assertEquals(Set.of(Thread.currentThread().getName()), names, "1 thread: the caller only");
      }
      for (String n : names) {
        assertFalse(n.contains("commonPool"), "a chunk ran on the common pool: " + n);
      }
    }
  }
}
