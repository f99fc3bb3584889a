package org.evomoe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles and runs the Java programs of docs/using-the-library.md and the README's snippet, and
 * checks what they print, so the documents stay true: losses go down, grown experts differ.
 */
class LibraryUsageDocTest {
  static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
  static final Pattern CLASS_NAME = Pattern.compile("public class (\\w+)");
  static final String NUMBER = "([-+0-9.eE]+|NaN|Infinity)";

  static Path file(String name) {
    for (Path p : List.of(Path.of(name), Path.of("..", name))) {
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new AssertionError(name + " not found from " + Path.of("").toAbsolutePath());
  }

  static List<String> javaBlocks(String file) throws Exception {
    String md = Files.readString(file(file), StandardCharsets.UTF_8);
    Matcher m = JAVA_BLOCK.matcher(md);
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    assertTrue(!out.isEmpty(), "no java block in " + file);
    return out;
  }

  /** Compiles {@code source} (one public class) into {@code dir}, runs its main, returns stdout. */
  static String compileAndRun(Path dir, String source) throws Exception {
    Matcher name = CLASS_NAME.matcher(source);
    assertTrue(name.find(), "no public class in the program:\n" + source);
    String cls = name.group(1);
    Path src = dir.resolve(cls + ".java");
    Files.writeString(src, source);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertTrue(javac != null, "tests need a JDK");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = javac.run(null, null, err, "-classpath", System.getProperty("java.class.path"),
        "-d", dir.toString(), src.toString());
    assertEquals(0, rc, "the documented program " + cls + " does not compile:\n" + err);
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (URLClassLoader cl = new URLClassLoader(new URL[] {dir.toUri().toURL()}, LibraryUsageDocTest.class.getClassLoader())) {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      Method main = cl.loadClass(cls).getMethod("main", String[].class);
      main.invoke(null, (Object) new String[0]);
    } finally {
      System.setOut(old);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The [first, last] numbers of the printed line "{label} loss A -> B". */
  static double[] lossLine(String printed, String label) {
    Matcher m = Pattern.compile(Pattern.quote(label) + " loss " + NUMBER + " -> " + NUMBER).matcher(printed);
    assertTrue(m.find(), "no '" + label + " loss A -> B' line in:\n" + printed);
    return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))};
  }

  static String program(String className) throws Exception {
    for (String block : javaBlocks("docs/using-the-library.md")) {
      if (block.contains("public class " + className + " ")) {
        return block;
      }
    }
    throw new AssertionError("docs/using-the-library.md has no program " + className);
  }

  @Test
  void theRouterStageProgramCompilesRunsAndLowersTheLoss(@TempDir Path dir) throws Exception {
    String printed = compileAndRun(dir, program("Example"));
    double[] loss = lossLine(printed, "router stage");
    assertTrue(loss[1] < 0.5 * loss[0], "Stage III loss should at least halve: " + loss[0] + " -> " + loss[1]);
    assertTrue(printed.contains("tokens per expert"), printed);
  }

  @Test
  void theGrowExpertsProgramLowersBothLossesAndGrowsDistinctExperts(@TempDir Path dir) throws Exception {
    String printed = compileAndRun(dir, program("GrowExperts"));
    double[] grow = lossLine(printed, "stage II");
    assertTrue(grow[1] < 0.5 * grow[0], "Stage II loss should at least halve: " + grow[0] + " -> " + grow[1]);
    double[] route = lossLine(printed, "router stage");
    assertTrue(route[1] < route[0], "router stage loss should fall: " + route[0] + " -> " + route[1]);
    Matcher m = Pattern.compile("expert (\\d+) differs from the seed by " + NUMBER).matcher(printed);
    int experts = 0;
    while (m.find()) {
      experts++;
      double rel = Double.parseDouble(m.group(2));
      assertTrue(rel > 1e-3 && rel < 10, "grown expert " + m.group(1) + " vs seed: " + rel);
    }
    assertEquals(3, experts, "one distance per grown expert:\n" + printed);
    Matcher closest = Pattern.compile("closest two grown experts differ by " + NUMBER).matcher(printed);
    assertTrue(closest.find(), printed);
    assertTrue(Double.parseDouble(closest.group(1)) > 1e-3, "two grown experts are (nearly) identical:\n" + printed);
  }

  @Test
  void theThreeModalitiesProgramSeparatesTheModalities(@TempDir Path dir) throws Exception {
    String printed = compileAndRun(dir, program("ThreeModalities"));
    assertTrue(printed.contains("hyper.audio.fc1.weight"), printed);
    double[] loss = lossLine(printed, "router stage");
    assertTrue(loss[1] < 0.6 * loss[0], "router stage loss should fall: " + loss[0] + " -> " + loss[1]);
    Matcher pairs = Pattern.compile("(IMAGE|TEXT|AUDIO)-(IMAGE|TEXT|AUDIO) hard TV " + NUMBER)
        .matcher(printed);
    double max = 0;
    int n = 0;
    while (pairs.find()) {
      n++;
      max = Math.max(max, Double.parseDouble(pairs.group(3)));
    }
    assertEquals(3, n, "three pairs of three modalities:\n" + printed);
    Matcher m = Pattern.compile("max hard TV " + NUMBER + " -> " + NUMBER).matcher(printed);
    assertTrue(m.find(), printed);
    double before = Double.parseDouble(m.group(1));
    double after = Double.parseDouble(m.group(2));
    assertEquals(max, after, 0.0, "the maximum is the largest pair");
    assertTrue(after > 0.5 && after > before, "separation " + before + " -> " + after);
  }

  @Test
  void theSaveLayerProgramReloadsTheSameLayer(@TempDir Path dir) throws Exception {
    String printed = compileAndRun(dir, program("SaveLayer"));
    assertTrue(printed.contains("same spec true"), printed);
    assertTrue(printed.contains("max output difference 0.0\n"), printed);
  }

  @Test
  void theReadmeSnippetCompilesAndRuns(@TempDir Path dir) throws Exception {
    List<String> blocks = javaBlocks("README.md");
    assertEquals(1, blocks.size(), "the README has one Java snippet");
    String program = """
        import java.util.SplittableRandom;
        import org.evomoe.moe.*;
        import org.evomoe.nn.SwiGluFfn;
        import org.evomoe.router.*;
        import org.evomoe.tensor.*;
        import org.nd4j.linalg.api.buffer.DataType;
        import org.nd4j.linalg.api.memory.MemoryWorkspace;
        import org.nd4j.linalg.api.ndarray.INDArray;

        public class ReadmeSnippet {
          public static void main(String[] args) {
        """ + blocks.get(0) + """
            System.out.println("ran");
          }
        }
        """;
    assertTrue(compileAndRun(dir, program).contains("ran"));
  }
}
