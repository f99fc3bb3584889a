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
  void setReachesNd4jBlasAndTheKernelsAndUseRestoresThePreviousState() {
    Threads.set(1);
    Threads.State one = Threads.state();
    assertEquals(new Threads.State(1, 1, 1), one);
    // ND4J's ops cannot exceed the ceiling fixed at its start (OMP_NUM_THREADS=2 under surefire).
    int nd4jTwo = Math.min(2, org.nd4j.linalg.factory.Nd4j.getEnvironment().maxThreads());
    try (Threads.Scope scope = Threads.use(2)) {
      assertEquals(one, scope.previous());
      assertEquals(nd4jTwo, org.nd4j.linalg.factory.Nd4j.getEnvironment().maxMasterThreads());
      assertEquals(2, org.nd4j.linalg.factory.Nd4j.factory().blas().getMaxThreads());
      assertEquals(2, Threads.count());
      try (Threads.Scope inner = Threads.use(1)) {
        assertEquals(one, Threads.state());
      }
      assertEquals(new Threads.State(nd4jTwo, 2, 2), Threads.state(), "nested scopes restore in order");
    }
    assertEquals(one, Threads.state());
    assertEquals(Set.of(Thread.currentThread().getName()), workers(10_000, 1), "back on the caller alone");
  }

  @Test
  void restorePutsBackEachCountAsItWas() {
    Threads.State mixed = new Threads.State(1, 2, 1);
    Threads.restore(mixed);
    assertEquals(mixed, Threads.state());
    Threads.State other = new Threads.State(1, 1, 2);
    Threads.restore(other);
    assertEquals(other, Threads.state());
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new Threads.State(1, 0, 1));
  }

  @Test
  void ompNumThreadsIsReadLikeOpenMpAndNeverBreaksStartUp() {
    assertEquals(4, Threads.ompNumThreads("4"));
    assertEquals(4, Threads.ompNumThreads(" 4,2 "));
    assertEquals(0, Threads.ompNumThreads(null));
    assertEquals(0, Threads.ompNumThreads(""));
    assertEquals(0, Threads.ompNumThreads("many"));
    assertEquals(0, Threads.ompNumThreads("-3"));
  }

  @Test
  void badCountsAreRejected() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Threads.use(0));
    assertEquals("thread count must be >= 1, got 0",
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Threads.set(0))
            .getMessage());
  }
  /**
   * The root pom starts the test JVMs with {@code OMP_NUM_THREADS=2} (the same on any machine):
   * ND4J's ceiling is 2, so the tests that set 2 threads run ND4J's multi-threaded native code too,
   * not only BLAS and the Java kernels. (A cap of 1 here would silently make every "2 threads" run
   * single-threaded inside ND4J.)
   */
  @Test
  void theTestJvmLetsNd4jRunTwoThreads() {
    assertEquals(2, org.nd4j.linalg.factory.Nd4j.getEnvironment().maxThreads(),
        "ND4J's thread ceiling in the test JVM (run the tests through Maven: the root pom sets it)");
    try (Threads.Scope ignored = Threads.use(2)) {
      assertEquals(new Threads.State(2, 2, 2), Threads.state());
    }
  }
}
