package org.evomoe.examples.spark;

import java.util.List;

/**
 * Whether Spark can run in this JVM, checked before any Spark class is touched, with the one-line
 * reason and remedy when it cannot.
 */
public final class SparkRuntime {
  private SparkRuntime() {}

  /**
   * Refuses, with what to do, when Spark is not on the class path or the JVM does not open the
   * packages Spark needs.
   *
   * @throws IllegalStateException naming the remedy
   */
  public static void require() {
    try {
      Class.forName("org.apache.spark.SparkContext", false, SparkRuntime.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new IllegalStateException("--spark needs Apache Spark 3.5 (Scala 2.13) on the class"
          + " path, which the default build leaves out: build with 'mvn -B package -DskipTests"
          + " -Pspark' (it copies Spark into evomoe-examples/target/lib), or launch with"
          + " spark-submit (docs/distributed.md)");
    }
    List<String> missing = SparkJvmFlags.missing();
    if (!missing.isEmpty()) {
      throw new IllegalStateException("--spark on Java 17 needs JVM flags that this launch lacks"
          + " (" + missing.get(0) + (missing.size() > 1 ? " and " + (missing.size() - 1)
          + " more" : "") + " not opened): start with 'java -jar evomoe.jar', whose manifest opens"
          + " them, or add the --add-opens flags of docs/distributed.md");
    }
  }
}
