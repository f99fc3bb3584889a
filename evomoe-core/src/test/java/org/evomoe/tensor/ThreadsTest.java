package org.evomoe.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The one thread setting: {@link Parallel} runs on the caller alone with 1 thread, never on the common pool. */
class ThreadsTest {
  @AfterEach
  void restore() {
    Threads.set(Integer.getInteger("evomoe.threads", 1));
  }

  /** Runs forRange over n items and returns the names of the threads that did work; checks coverage. */
  static Set<String> workers(int n, int minPerTask) {
    Set<String> names = ConcurrentHashMap.newKeySet();
    AtomicIntegerArray seen = new AtomicIntegerArray(n);
    Parallel.forRange(n, minPerTask, (a, b) -> {
      names.add(Thread.currentThread().getName());
      for (int i = a; i < b; i++) {
        seen.incrementAndGet(i);
      }
    });
    int[] once = new int[n];
    java.util.Arrays.fill(once, 1);
    int[] got = new int[n];
    for (int i = 0; i < n; i++) {
      got[i] = seen.get(i);
    }
    assertArrayEquals(once, got, "every index exactly once");
    return names;
  }

  @Test
  void oneThreadRunsEverythingOnTheCaller() {
    Threads.set(1);
    assertEquals(1, Threads.count());
    for (int rep = 0; rep < 20; rep++) {
      assertEquals(Set.of(Thread.currentThread().getName()), workers(10_000, 1));
    }
  }

  @Test
  void twoThreadsNeverUseTheCommonPool() {
    Threads.set(2);
    assertEquals(2, Threads.count());
    for (int rep = 0; rep < 20; rep++) {
      for (String name : workers(10_000, 1)) {
        assertFalse(name.contains("commonPool"), "work ran on " + name);
      }
    }
  }

  @Test
  void badCountsAreRejected() {
    assertEquals("thread count must be >= 1, got 0",
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Threads.set(0))
            .getMessage());
  }
}
