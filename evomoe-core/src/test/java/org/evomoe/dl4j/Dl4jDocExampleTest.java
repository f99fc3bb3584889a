package org.evomoe.dl4j;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compiles and runs the program of docs/dl4j.md, so the document stays true. */
class Dl4jDocExampleTest {
  private static Path repoFile(String relative) {
    Path p = Path.of("").toAbsolutePath();
    while (p != null) {
      if (Files.exists(p.resolve(relative))) {
        return p.resolve(relative);
      }
      p = p.getParent();
    }
    throw new AssertionError(relative + " not found above " + Path.of("").toAbsolutePath());
  }

  @Test
  void theDocumentedProgramCompilesTrainsAndRestores(@TempDir Path dir) throws Exception {
    String md = Files.readString(repoFile("docs/dl4j.md"), StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(md);
    String program = null;
    while (m.find()) {
      if (m.group(1).contains("public class Dl4jExample")) {
        program = m.group(1);
      }
    }
    assertTrue(program != null, "no Dl4jExample program in docs/dl4j.md");
    Path src = dir.resolve("Dl4jExample.java");
    Files.writeString(src, program);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertTrue(javac != null, "tests need a JDK");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = javac.run(null, null, err, "-classpath", System.getProperty("java.class.path"),
        "-d", dir.toString(), src.toString());
    assertEquals(0, rc, "the documented program does not compile:\n" + err);
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (URLClassLoader cl = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      Method main = cl.loadClass("Dl4jExample").getMethod("main", String[].class);
      main.invoke(null, (Object) new String[] {repoFile("src-test-data/fashion-mnist").toString()});
    } finally {
      System.setOut(old);
    }
    String printed = out.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("stage II: 40 evolution steps"), printed);
    assertTrue(printed.contains("restored outputs identical: true"), printed);
    Matcher acc = Pattern.compile("test accuracy ([0-9.]+)").matcher(printed);
    assertTrue(acc.find(), printed);
    // 10 balanced classes: chance is 0.10.
    assertTrue(Double.parseDouble(acc.group(1)) > 0.6, printed);
  }
}
