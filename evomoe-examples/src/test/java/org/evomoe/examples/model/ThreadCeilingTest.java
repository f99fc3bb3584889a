package org.evomoe.examples.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.evomoe.nn.SoftmaxCrossEntropy;
import org.evomoe.optim.AdamW;
import org.evomoe.optim.AdamWConfig;
import org.evomoe.optim.GradientClipping;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.Threads;
import org.evomoe.examples.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The library's numbers depend on its thread setting ({@link Threads}) alone, not on the ceiling
 * of ND4J's native threads, which ND4J fixes when it starts (from {@code OMP_NUM_THREADS}) and no
 * call can change afterwards. Two JVMs, started with {@code OMP_NUM_THREADS=1} and {@code =2}, run
 * the same training step of a demo-sized model (vision encoder, projector, 4 decoder layers with a
 * DTR top-1 MoE on layers 0 and 2, GQA; 8 sequences of 40 positions; clipping and AdamW) with
 * {@code Threads.set(1)} and with {@code Threads.set(2)}: for each setting the two JVMs must write
 * the same bits (loss, every gradient, every updated weight). The check can fail: ND4J's own float
 * {@code norm2} of one array is computed in both JVMs and must differ between the ceilings, which
 * is why the library does its reductions in Java or BLAS ({@link
 * org.evomoe.tensor.Kernels#addColumnSums}, {@link GradientClipping}).
 */
class ThreadCeilingTest {
  @Test
  void theSameThreadSettingGivesTheSameBitsWhateverNd4jsStartUpCeiling(@TempDir Path dir) throws Exception {
    Map<String, String> one = child(dir, 1);
    Map<String, String> two = child(dir, 2);
    assertEquals("1", one.get("ceiling"));
    assertEquals("2", two.get("ceiling"));
    assertNotEquals(one.get("nd4jNorm2"), two.get("nd4jNorm2"),
        "ND4J's own float reduction depends on its ceiling (else this test proves nothing)");
    for (String key : List.of("threads1", "threads2")) {
      assertEquals(one.get(key), two.get(key), key + ": the step's bits depend on OMP_NUM_THREADS");
    }
    assertNotEquals(one.get("threads1"), one.get("threads2"),
        "1 and 2 threads round differently (the hash sees every bit)");
  }

  private static Map<String, String> child(Path dir, int ceiling) throws Exception {
    ProcessBuilder pb = ChildJvm.of(ThreadCeilingTest.class.getName());
    pb.environment().put("OMP_NUM_THREADS", String.valueOf(ceiling));
    Path log = dir.resolve("ceiling" + ceiling + ".log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    Process p = pb.start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the step with OMP_NUM_THREADS=" + ceiling + " did not end in 180 s");
    }
    String out = Files.readString(log);
    assertEquals(0, p.exitValue(), out);
    Map<String, String> r = new HashMap<>();
    for (String line : out.split("\n")) {
      if (line.startsWith("result ")) {
        String[] kv = line.substring(7).trim().split("=", 2);
        r.put(kv[0], kv[1]);
      }
    }
    assertTrue(r.keySet().containsAll(List.of("ceiling", "nd4jNorm2", "threads1", "threads2")), out);
    return r;
  }

  /** The child JVM: prints the ceiling, ND4J's norm2 and the step's hash with 1 and 2 threads. */
  public static void main(String[] args) {
    System.out.println("result ceiling=" + Nd4j.getEnvironment().maxThreads());
    INDArray big = Nd4j.create(random(3, 1_000_000), new long[] {1_000_000}, 'c').castTo(DataType.FLOAT);
    System.out.println("result nd4jNorm2=" + Float.floatToIntBits(big.norm2Number().floatValue()));
    for (int threads = 1; threads <= 2; threads++) {
      Threads.set(threads);
      System.out.println("result threads" + threads + "=" + Long.toHexString(step()));
    }
    System.exit(0);
  }

  private static double[] random(long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextDouble() - 0.5;
    }
    return v;
  }

  /** One training step (forward, backward, clipping, AdamW); a hash of every resulting bit. */
  private static long step() {
    SplittableRandom rng = new SplittableRandom(1);
    ModelConfig mc = new ModelConfig(68, 64, 4, 4, 2, 176, 10000.0, 1e-5,
        new HashSet<>(List.of(0, 2)), MoeSettings.evoMoe(4));
    VisionEncoder vision = new VisionEncoder(new VisionConfig(56, 56, 14, 48, 1, 2, 96, 1e-5),
        DataType.FLOAT, rng);
    VisionLanguageModel vlm = new VisionLanguageModel(vision,
        new MultiModalProjector(48, 64, DataType.FLOAT, rng), DecoderModel.create(mc, DataType.FLOAT, rng));
    for (Parameter p : vlm.parameters()) {
      p.setTrainable(true);
    }
    int batch = 8;
    int seq = 40;
    SplittableRandom r = new SplittableRandom(9);
    int[] tokens = new int[batch * seq];
    int[] targets = new int[batch * seq];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = 3 + r.nextInt(65);
    }
    for (int i = 0; i < tokens.length; i++) {
      targets[i] = (i + 1) % seq == 0 ? SoftmaxCrossEntropy.IGNORE : tokens[i + 1];
    }
    boolean[] withImage = new boolean[batch];
    for (int b = 0; b < batch; b += 2) {
      withImage[b] = true;
    }
    INDArray pixels = Nd4j.create(random(5, 4 * 56 * 56), new long[] {4, 56 * 56}, 'c').addi(0.5)
        .castTo(DataType.FLOAT);
    List<Parameter> params = vlm.parameters();
    AdamW opt = new AdamW(AdamWConfig.withDefaults(1e-3, 0.01), params);
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    INDArray logits = vlm.forward(vlm.input(pixels, withImage, batch, seq, tokens));
    double loss = ce.forward(logits, targets) + vlm.auxLoss();
    vlm.backward(ce.backward());
    long h = Double.doubleToLongBits(loss);
    for (Parameter p : params) {
      h = mix(h, p.grad());
    }
    GradientClipping.clipByGlobalNorm(params, 0.5);
    opt.step();
    for (Parameter p : params) {
      h = mix(h, p.value());
    }
    return h;
  }

  private static long mix(long h, INDArray a) {
    for (float f : a.dup('c').data().asFloat()) {
      h = h * 1_000_003L + Float.floatToIntBits(f);
    }
    return h;
  }
}
