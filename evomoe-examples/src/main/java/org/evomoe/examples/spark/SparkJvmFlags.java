package org.evomoe.examples.spark;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The packages of {@code java.base} that Spark 3.5 reaches into by reflection on Java 17. {@code
 * java -jar evomoe.jar} opens them through the jar's manifest ({@code Add-Opens}), the tests
 * through surefire's JVM flags; other launches (spark-submit adds them itself) must pass {@link
 * #flags()}.
 */
public final class SparkJvmFlags {
  /** The packages, as {@code module/package}. */
  public static final List<String> OPENS = List.of(
      "java.base/java.lang", "java.base/java.lang.invoke", "java.base/java.lang.reflect",
      "java.base/java.io", "java.base/java.net", "java.base/java.nio", "java.base/java.util",
      "java.base/java.util.concurrent", "java.base/java.util.concurrent.atomic",
      "java.base/jdk.internal.ref", "java.base/sun.nio.ch", "java.base/sun.nio.cs",
      "java.base/sun.security.action", "java.base/sun.util.calendar");

  private SparkJvmFlags() {}

  /** The packages of {@link #OPENS} that this JVM does not open to the class path. */
  public static List<String> missing() {
    Module unnamed = SparkJvmFlags.class.getModule();
    return OPENS.stream().filter(mp -> {
      String[] parts = mp.split("/", 2);
      Module m = ModuleLayer.boot().findModule(parts[0]).orElse(null);
      return m == null || !m.isOpen(parts[1], unnamed);
    }).toList();
  }

  /** The JVM flags that open every package of {@link #OPENS}. */
  public static String flags() {
    return OPENS.stream().map(p -> "--add-opens=" + p + "=ALL-UNNAMED")
        .collect(Collectors.joining(" "));
  }
}
