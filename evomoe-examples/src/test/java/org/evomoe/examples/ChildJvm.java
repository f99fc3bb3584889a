package org.evomoe.examples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A second JVM on the test class path (for tests that need a real kill, or a process-wide setting
 * such as ND4J's start-up thread ceiling), sharing the test JVM's JavaCPP cache.
 */
public final class ChildJvm {
  private ChildJvm() {}

  /** {@code java -cp <test class path> -Dorg.bytedeco.javacpp.cachedir=... -Xmx1g main args}. */
  public static ProcessBuilder of(String mainClass, String... args) {
    String java = ProcessHandle.current().info().command().orElse("java");
    String cache = System.getProperty("org.bytedeco.javacpp.cachedir",
        Path.of(System.getProperty("user.home"), ".javacpp", "cache").toString());
    List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
        "-Dorg.bytedeco.javacpp.cachedir=" + cache, "-Xmx1g", mainClass));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd);
  }
}
