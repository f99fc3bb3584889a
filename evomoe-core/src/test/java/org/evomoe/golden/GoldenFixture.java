package org.evomoe.golden;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.evomoe.tensor.Threads;
import org.junit.jupiter.params.provider.Arguments;
import org.evomoe.checkpoint.LoadOptions;
import org.evomoe.checkpoint.Safetensors;
import org.evomoe.checkpoint.SafetensorsFile;
import org.evomoe.checkpoint.Tensor;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One golden fixture of {@code src-test-data/golden/}, written by PyTorch ({@code generate.py}):
 * the tensors of {@code <case>.<f32|f64>.safetensors} and the settings of {@code <case>.json}.
 *
 * <p>A float64 fixture stores each tensor {@code x} as two float32 tensors, {@code x} (the float32
 * rounding) and {@code x.lo} (the remainder), because the project's safetensors reader holds
 * float32 only; {@code x + x.lo} in double restores the float64 value to a relative 2^-48 (inputs
 * were rounded to exactly that sum before PyTorch used them, so they are exact).
 */
public final class GoldenFixture {
  /** The fixture folder, from the module folder the tests run in. */
  public static final Path DIR = Path.of("..", "src-test-data", "golden");

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  private final String name;
  private final Precision precision;
  private final Map<String, long[]> shapes = new LinkedHashMap<>();
  private final Map<String, double[]> values = new LinkedHashMap<>();

  /** The two fixture precisions and the ND4J type the Java side computes in for each. */
  public enum Precision {
    F32(DataType.FLOAT),
    F64(DataType.DOUBLE);

    private final DataType type;

    Precision(DataType type) {
      this.type = type;
    }

    public DataType type() {
      return type;
    }

    String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The runs of a golden test: each precision with 1 and with 2 threads (the surefire default is
   * 1; 2 runs the parallel branches of the Java kernels where the shapes are large enough, and
   * ND4J's multi-threaded native code).
   */
  public static Stream<Arguments> runs() {
    return Stream.of(
        Arguments.of(Precision.F64, 1), Arguments.of(Precision.F64, 2),
        Arguments.of(Precision.F32, 1), Arguments.of(Precision.F32, 2));
  }

  /** Each precision once, at the test JVM's thread count: the runs of the broken-variant tests. */
  public static Stream<Arguments> precisions() {
    return Stream.of(Arguments.of(Precision.F64), Arguments.of(Precision.F32));
  }

  /**
   * How far above the tolerance a deliberately broken variant's error must lie for {@link
   * #assertCaught}: a factor of 100, so that a bug is never a rounding away from passing.
   */
  public static final double CAUGHT_MARGIN = 100;

  /**
   * Asserts that a deliberately broken variant of a computation ({@code mutant}: a transposed
   * weight, a swapped RoPE half, ...) fails this golden comparison by a wide margin: its {@link
   * #scaledError} against tensor {@code expected} is at least {@link #CAUGHT_MARGIN} times {@code
   * tol}, the tolerance of the golden test. Prints the error (docs/golden-tests.md records them).
   *
   * @return the error
   */
  public double assertCaught(String mutant, String expected, double[] actual, double tol) {
    double err = error(expected, actual);
    System.out.printf(Locale.ROOT, "golden mutant %s: %s/%s %s error %.3e (tolerance %.0e)%n", mutant, name,
        precision.key(), expected, err, tol);
    assertTrue(err >= CAUGHT_MARGIN * tol, String.format(Locale.ROOT,
        "%s is not caught by %s/%s %s: error %.3e < %.0f x tolerance %.1e", mutant, name, precision.key(),
        expected, err, CAUGHT_MARGIN, tol));
    return err;
  }

  /** {@link #assertCaught(String, String, double[], double)} for an array. */
  public double assertCaught(String mutant, String expected, INDArray actual, double tol) {
    return assertCaught(mutant, expected, actual.castTo(DataType.DOUBLE).dup('c').data().asDouble(), tol);
  }

  /** Sets the library's thread count for a test; {@link #restoreThreads} undoes it. */
  public static void useThreads(int n) {
    Threads.set(n);
  }

  /** Back to the thread count the test JVM was started with ({@code evomoe.threads}, else 1). */
  public static void restoreThreads() {
    Threads.set(Integer.getInteger("evomoe.threads", 1));
  }

  private GoldenFixture(String name, Precision precision, SafetensorsFile file) {
    this.name = name;
    this.precision = precision;
    Map<String, Tensor> all = file.tensors();
    for (Tensor t : all.values()) {
      if (precision == Precision.F64 && t.name().endsWith(".lo")) {
        continue;
      }
      double[] v = new double[t.data().length];
      Tensor lo = precision == Precision.F64 ? all.get(t.name() + ".lo") : null;
      if (precision == Precision.F64 && lo == null) {
        throw new IllegalStateException(name + ": float64 tensor " + t.name() + " has no .lo part");
      }
      for (int i = 0; i < v.length; i++) {
        v[i] = (double) t.data()[i] + (lo == null ? 0.0 : (double) lo.data()[i]);
      }
      shapes.put(t.name(), t.shape());
      values.put(t.name(), v);
    }
  }

  /** Loads {@code <name>.<precision>.safetensors} with the core reader. */
  public static GoldenFixture load(String name, Precision precision) {
    Path file = DIR.resolve(name + "." + precision.key() + ".safetensors");
    try {
      return new GoldenFixture(name, precision, Safetensors.read(file, LoadOptions.defaults()));
    } catch (IOException e) {
      throw new UncheckedIOException("golden fixture " + file, e);
    }
  }

  /** The settings of {@code <name>.json}, bound to a record. */
  public static <T> T settings(String name, Class<T> type) {
    Path file = DIR.resolve(name + ".json");
    try {
      return JSON.readValue(Files.readAllBytes(file), type);
    } catch (IOException e) {
      throw new UncheckedIOException("golden settings " + file, e);
    }
  }

  public String name() {
    return name;
  }

  public Precision precision() {
    return precision;
  }

  public Set<String> names() {
    return values.keySet();
  }

  public boolean has(String tensor) {
    return values.containsKey(tensor);
  }

  /** The values of a tensor, row-major. */
  public double[] values(String tensor) {
    double[] v = values.get(tensor);
    if (v == null) {
      throw new IllegalArgumentException(name + " has no tensor " + tensor + "; it has " + names());
    }
    return v;
  }

  public long[] shape(String tensor) {
    values(tensor);
    return shapes.get(tensor).clone();
  }

  /** A scalar tensor. */
  public double scalar(String tensor) {
    double[] v = values(tensor);
    if (v.length != 1) {
      throw new IllegalArgumentException(tensor + " is not a scalar: " + Arrays.toString(shape(tensor)));
    }
    return v[0];
  }

  /** A new c-ordered array of the fixture's precision (float32 values are exact). */
  public INDArray array(String tensor) {
    return array(tensor, shape(tensor));
  }

  /** A new c-ordered array with another shape of the same element count. */
  public INDArray array(String tensor, long... shape) {
    return Nd4j.create(values(tensor), shape, 'c').castTo(precision.type());
  }

  /** Sets a parameter's value to a fixture tensor (shapes must match). */
  public void assign(Parameter p, String tensor) {
    INDArray a = array(tensor);
    if (!Arrays.equals(a.shape(), p.value().shape())) {
      throw new IllegalArgumentException(
          p.name() + " is " + Arrays.toString(p.value().shape()) + ", fixture " + tensor + " is "
              + Arrays.toString(a.shape()));
    }
    p.value().assign(a);
  }

  /**
   * Largest |actual - expected| over the elements divided by max(1, largest |expected|): an
   * absolute error for values of order one and below, a relative one for large tensors.
   */
  public static double scaledError(double[] expected, double[] actual) {
    if (expected.length != actual.length) {
      throw new AssertionError("length " + actual.length + ", expected " + expected.length);
    }
    double scale = 1.0;
    double err = 0.0;
    for (int i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      double d = Math.abs(actual[i] - expected[i]);
      err = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(err, d);
    }
    return err / scale;
  }

  /** Asserts {@link #scaledError} of {@code actual} against tensor {@code expected} <= tol. */
  public void assertClose(String expected, INDArray actual, double tol) {
    assertClose(expected, actual.castTo(DataType.DOUBLE).dup('c').data().asDouble(), tol);
  }

  /** {@link #scaledError} of {@code actual} against tensor {@code expected}, without asserting. */
  public double error(String expected, INDArray actual) {
    return error(expected, actual.castTo(DataType.DOUBLE).dup('c').data().asDouble());
  }

  /** {@link #scaledError} of {@code actual} against tensor {@code expected}, without asserting. */
  public double error(String expected, double[] actual) {
    return scaledError(values(expected), actual);
  }

  public void assertClose(String expected, double[] actual, double tol) {
    double err = error(expected, actual);
    if (Boolean.getBoolean("golden.verbose")) { // -Dgolden.verbose=true: print every measured error
      System.out.printf(Locale.ROOT, "golden %s/%s %s %.3e threads=%d%n", name, precision.key(), expected,
          err, Threads.count());
    }
    assertTrue(err <= tol, String.format(Locale.ROOT, "%s/%s %s: error %.3e > tolerance %.1e",
        name, precision.key(), expected, err, tol));
  }

  /** A parameter's gradient (zeros when it has no gradient buffer) against a fixture tensor. */
  public void assertGrad(String expected, Parameter p, double tol) {
    double[] g = p.hasGrad()
        ? p.grad().castTo(DataType.DOUBLE).dup('c').data().asDouble()
        : new double[Math.toIntExact(p.length())];
    assertClose(expected, g, tol);
  }
}
