package org.evomoe.examples.spark;

import org.apache.spark.api.java.JavaSparkContext;

/**
 * One local Spark context for every Spark test of the JVM (Spark allows one context per JVM):
 * two executor threads, and up to 4 attempts per task so that an injected failure is retried
 * (local mode retries only with the {@code local[N,F]} form). Stopped when the JVM exits.
 */
public final class SparkTestContext {
  public static final String MASTER = "local[2,4]";
  private static JavaSparkContext context;

  private SparkTestContext() {}

  public static synchronized JavaSparkContext get() {
    if (context == null) {
      context = new JavaSparkContext(SparkContexts.conf(MASTER, "evomoe-tests"));
      JavaSparkContext c = context;
      Runtime.getRuntime().addShutdownHook(new Thread(c::stop));
    }
    return context;
  }
}
