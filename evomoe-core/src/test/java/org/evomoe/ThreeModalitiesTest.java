package org.evomoe;

import static org.evomoe.TestArrays.maxAbsDiff;
import static org.evomoe.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.checkpoint.MoeLayerCheckpoint;
import org.evomoe.checkpoint.MoeLayerConfigException;
import org.evomoe.diagnostics.ModalitySeparation;
import org.evomoe.diagnostics.ModalityShares;
import org.evomoe.diagnostics.RouterLogitStats;
import org.evomoe.diagnostics.RoutingEntropy;
import org.evomoe.grad.GradientCheck;
import org.evomoe.grad.GradientCheck.Target;
import org.evomoe.moe.MoeLayer;
import org.evomoe.moe.MoeLayerSpec;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.moe.RoutingRecord;
import org.evomoe.moe.TokenMask;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.DynamicTokenRouter;
import org.evomoe.router.HyperActivation;
import org.evomoe.router.Modalities;
import org.evomoe.router.Modality;
import org.evomoe.router.ModalityLinearRouter;
import org.evomoe.router.Router;
import org.evomoe.router.RouterKind;
import org.evomoe.router.ThetaContraction;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Three modalities (image, text, audio) end to end: the per-modality routers' parameters and
 * gradients (double precision, an absent modality included), the MoE layer against a per-token
 * oracle and finite differences, save and reload with the modality list, the diagnostics, and
 * strict errors for tags outside the configured modalities.
 */
class ThreeModalitiesTest {
  private static final DataType D = DataType.DOUBLE;
  private static final Modalities IMAGE_TEXT_AUDIO = Modalities.of("image", "text", "audio");
  private static final Modality IMAGE = IMAGE_TEXT_AUDIO.get("image");
  private static final Modality TEXT = IMAGE_TEXT_AUDIO.get("text");
  private static final Modality AUDIO = IMAGE_TEXT_AUDIO.get("audio");
  private static final DtrConfig SMALL_DTR =
      new DtrConfig(2, 3, 5, HyperActivation.SILU, true, ThetaContraction.CONTRACTED);

  /** A fixed interleaving of the three modalities, uneven counts. */
  static Modality[] mixed(int t) {
    Modality[] tags = new Modality[t];
    for (int i = 0; i < t; i++) {
      tags[i] = (i * 5 + i / 4) % 7 < 3 ? IMAGE : (i % 3 == 1 ? AUDIO : TEXT);
    }
    return tags;
  }

  static MoeLayerSpec spec(RouterKind kind, int topK, boolean renormalize) {
    return MoeLayerSpec.builder("model.layers.0.mlp", 6, 8)
        .experts(4)
        .routing(new RoutingConfig(topK, renormalize, 0.3, 0.05, kind))
        .dtr(kind == RouterKind.DTR ? SMALL_DTR : null)
        .modalities(IMAGE_TEXT_AUDIO)
        .dataType(D)
        .build();
  }

  static void checkRouter(Router r, INDArray x, Modality[] tags) {
    r.zeroGrad();
    INDArray y = r.forward(x, tags);
    INDArray rr = normal(99, y.shape());
    INDArray dx = r.backward(rr);
    List<Target> targets = new ArrayList<>();
    targets.add(new Target("input", x, dx));
    for (Parameter p : r.parameters()) {
      if (p.hasGrad()) {
        targets.add(Target.of(p));
      }
    }
    GradientCheck.check(() -> GradientCheck.dot(r.forward(x, tags), rr), targets,
        new GradientCheck.Options(1e-6, 1e-5, 1e-8, 80, 7)).assertPassed();
  }

  @Test
  void dtrHasOneHypernetworkPerModalityAndPassesGradientChecks() {
    DynamicTokenRouter r = new DynamicTokenRouter("gate", 6, 4, IMAGE_TEXT_AUDIO, SMALL_DTR, D,
        new SplittableRandom(3));
    List<String> names = r.parameters().stream().map(Parameter::name).toList();
    assertEquals(List.of(
        "gate.hyper.image.fc1.weight", "gate.hyper.image.fc1.bias", "gate.hyper.image.fc2.weight",
        "gate.hyper.image.fc2.bias",
        "gate.hyper.text.fc1.weight", "gate.hyper.text.fc1.bias", "gate.hyper.text.fc2.weight",
        "gate.hyper.text.fc2.bias",
        "gate.hyper.audio.fc1.weight", "gate.hyper.audio.fc1.bias", "gate.hyper.audio.fc2.weight",
        "gate.hyper.audio.fc2.bias",
        "gate.phi.weight", "gate.phi.bias"), names);
    for (Parameter p : r.parameters()) {
      if (p.name().endsWith(".bias")) {
        p.value().assign(normal(p.name().hashCode(), p.value().shape()).muli(0.3));
      }
    }
    checkRouter(r, normal(4, 11, 6), mixed(11));
    for (Modality m : IMAGE_TEXT_AUDIO.all()) {
      for (Parameter p : r.hyperParameters(m)) {
        assertTrue(p.grad().amaxNumber().doubleValue() > 0, p.name() + " got no gradient");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"MODALITY_LINEAR", "DTR"})
  void anAbsentModalityGetsNoGradient(RouterKind kind) {
    Router r = spec(kind, 1, false).newRouter(new SplittableRandom(5));
    Modality[] imageAndAudio = mixed(10);
    for (int i = 0; i < imageAndAudio.length; i++) {
      if (imageAndAudio[i].equals(TEXT)) {
        imageAndAudio[i] = AUDIO;
      }
    }
    checkRouter(r, normal(6, 10, 6), imageAndAudio);
    for (Parameter p : r.parameters()) {
      boolean text = p.name().contains(".text.");
      assertEquals(!text, p.hasGrad(), p.name() + (text ? " (absent) got" : " got no") + " gradient");
    }
  }

  @Test
  void modalityLinearRouterMatchesEachModalitysMatrix() {
    ModalityLinearRouter r = (ModalityLinearRouter) spec(RouterKind.MODALITY_LINEAR, 1, false)
        .newRouter(new SplittableRandom(2));
    assertEquals(List.of("model.layers.0.mlp.gate.image.weight", "model.layers.0.mlp.gate.text.weight",
        "model.layers.0.mlp.gate.audio.weight"), r.parameters().stream().map(Parameter::name).toList());
    INDArray x = normal(8, 9, 6);
    Modality[] tags = mixed(9);
    INDArray logits = r.forward(x, tags);
    for (int t = 0; t < 9; t++) {
      INDArray expected = x.getRow(t, true).mmul(r.weight(tags[t]).value().transpose());
      assertEquals(0.0, maxAbsDiff(expected, logits.getRow(t, true)), 1e-12);
    }
    checkRouter(r, x, tags);
  }

  /** The layer on three modalities, with padding, against a loop that routes one token at a time. */
  @ParameterizedTest
  @EnumSource(names = {"MODALITY_LINEAR", "DTR"})
  void moeLayerMatchesPerTokenOracleAndFiniteDifferences(RouterKind kind) {
    MoeLayer moe = spec(kind, 2, true).newLayer(new SplittableRandom(7));
    int t = 13;
    INDArray x = normal(9, t, 6);
    Modality[] tags = mixed(t);
    boolean[] real = new boolean[t];
    Arrays.fill(real, true);
    real[4] = false;
    real[11] = false;
    TokenMask mask = TokenMask.of(real);

    INDArray y = moe.forward(x, tags, mask).dup();
    for (int i = 0; i < t; i++) {
      INDArray row = y.getRow(i, true);
      if (!real[i]) {
        assertEquals(0.0, row.amaxNumber().doubleValue(), 0.0, "padded row " + i);
        continue;
      }
      INDArray xi = x.getRow(i, true).dup();
      double[] logits = moe.router().forward(xi, new Modality[] {tags[i]}).toDoubleVector();
      double max = Arrays.stream(logits).max().orElseThrow();
      double[] p = Arrays.stream(logits).map(v -> Math.exp(v - max)).toArray();
      double sum = Arrays.stream(p).sum();
      Integer[] order = {0, 1, 2, 3};
      Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
      double chosen = p[order[0]] + p[order[1]];
      INDArray expected = Nd4j.zeros(D, 1, 6);
      for (int j = 0; j < 2; j++) {
        expected.addi(moe.experts().get(order[j]).forward(xi).mul(p[order[j]] / chosen));
      }
      assertEquals(0.0, maxAbsDiff(expected, row), 1e-12, "token " + i + " (" + tags[i] + ")");
    }

    moe.zeroGrad();
    moe.forward(x, tags, mask);
    INDArray r = normal(10, t, 6);
    INDArray dx = moe.backward(r);
    List<Target> targets = new ArrayList<>();
    targets.add(new Target("input", x, dx));
    for (Parameter p : moe.parameters()) {
      if (p.hasGrad()) {
        targets.add(Target.of(p));
      }
    }
    // 12 sampled elements per tensor: the router's own checks above visit far more of its values.
    GradientCheck.check(() -> GradientCheck.dot(moe.forward(x, tags, mask), r) + moe.weightedLoss(),
        targets, new GradientCheck.Options(1e-6, 1e-5, 1e-8, 12, 7)).assertPassed();
    if (kind == RouterKind.DTR) {
      DynamicTokenRouter dtr = (DynamicTokenRouter) moe.router();
      assertTrue(dtr.hyperFc1Weight(AUDIO).grad().amaxNumber().doubleValue() > 0);
    }
  }

  @Test
  void savesAndReloadsWithItsModalities(@TempDir Path dir) throws Exception {
    MoeLayerSpec spec = spec(RouterKind.DTR, 1, false);
    MoeLayer layer = spec.newLayer(new SplittableRandom(11));
    MoeLayerCheckpoint.save(dir, spec, layer);
    String json = Files.readString(dir.resolve(MoeLayerCheckpoint.CONFIG));
    assertTrue(json.contains("\"modalities\" : [ \"image\", \"text\", \"audio\" ]"), json);

    MoeLayerCheckpoint.Loaded back = MoeLayerCheckpoint.load(dir);
    assertEquals(spec, back.spec());
    assertEquals(IMAGE_TEXT_AUDIO, back.layer().modalities());
    INDArray x = normal(12, 9, 6);
    Modality[] tags = mixed(9);
    INDArray y0 = layer.forward(x, tags).dup();
    INDArray y1 = back.layer().forward(x, tags).dup();
    assertEquals(0.0, maxAbsDiff(y0, y1), 1e-6, "float32 weights of a double layer");

    MoeLayerSpec twoModalities = MoeLayerSpec.builder(spec.prefix(), 6, 8).experts(4)
        .routing(spec.config().routing()).dtr(SMALL_DTR).dataType(D).build();
    MoeLayerConfigException e = assertThrows(MoeLayerConfigException.class,
        () -> MoeLayerCheckpoint.load(dir, twoModalities));
    assertTrue(e.getMessage().contains("modalities (saved [image, text, audio], expected [image, text])"),
        e.getMessage());
  }

  @Test
  void aLayerSavedWithoutAModalityListMeansImageAndText(@TempDir Path dir) throws Exception {
    MoeLayerSpec spec = MoeLayerSpec.builder("mlp", 6, 8).experts(3).build();
    MoeLayerCheckpoint.save(dir, spec, spec.newLayer(new SplittableRandom(1)));
    ObjectMapper json = new ObjectMapper();
    Path file = dir.resolve(MoeLayerCheckpoint.CONFIG);
    ObjectNode root = (ObjectNode) json.readTree(file.toFile());
    assertTrue(((ObjectNode) root.get("layer")).remove("modalities") != null);
    Files.writeString(file, json.writeValueAsString(root));
    MoeLayerCheckpoint.Loaded back = MoeLayerCheckpoint.load(dir);
    assertEquals(spec, back.spec());
    assertEquals(Modalities.IMAGE_TEXT, back.layer().modalities());
  }

  @Test
  void diagnosticsCoverEveryModalityAndEveryPair() {
    MoeLayer moe = spec(RouterKind.MODALITY_LINEAR, 1, false).newLayer(new SplittableRandom(13));
    INDArray x = normal(14, 40, 6);
    Modality[] tags = mixed(40);
    Runnable pass = () -> moe.forward(x, tags);
    ModalityShares shares = ModalityShares.measure(List.of(moe), pass);
    ModalitySeparation sep = ModalitySeparation.measure(List.of(moe), pass);
    RoutingEntropy entropy = RoutingEntropy.measure(List.of(moe), pass);
    RouterLogitStats logits = RouterLogitStats.measure(List.of(moe), pass);

    // Hand counts from the layer's own record.
    moe.forward(x, tags);
    RoutingRecord r = moe.lastRouting();
    long[][] top1 = new long[3][4];
    double[][] soft = new double[3][4];
    long[] n = new long[3];
    for (int t = 0; t < r.numTokens(); t++) {
      int m = r.modality(t).id();
      n[m]++;
      top1[m][r.expert(t, 0)]++;
      for (int e = 0; e < 4; e++) {
        soft[m][e] += r.prob(t, e);
      }
    }
    assertEquals(List.of(IMAGE, TEXT, AUDIO), List.copyOf(shares.layers().get(0).shares().keySet()));
    double[][] hard = new double[3][4];
    for (int m = 0; m < 3; m++) {
      assertArrayEquals(top1[m], shares.layers().get(0).assignments().get(IMAGE_TEXT_AUDIO.get(m)));
      for (int e = 0; e < 4; e++) {
        hard[m][e] = top1[m][e] / (double) n[m];
        soft[m][e] /= n[m];
      }
    }
    ModalitySeparation.LayerSeparation l = sep.layers().get(0);
    assertEquals(3, l.pairs().size(), "three pairs of three modalities");
    double maxHard = 0;
    double maxSoft = 0;
    int[][] pairs = {{0, 1}, {0, 2}, {1, 2}};
    for (int i = 0; i < 3; i++) {
      ModalitySeparation.PairSeparation p = l.pairs().get(i);
      int a = pairs[i][0];
      int b = pairs[i][1];
      assertEquals(IMAGE_TEXT_AUDIO.get(a), p.a());
      assertEquals(IMAGE_TEXT_AUDIO.get(b), p.b());
      double tvHard = 0;
      double tvSoft = 0;
      for (int e = 0; e < 4; e++) {
        tvHard += Math.abs(hard[a][e] - hard[b][e]) / 2;
        tvSoft += Math.abs(soft[a][e] - soft[b][e]) / 2;
      }
      assertEquals(tvHard, p.hardTotalVariation(), 1e-12);
      assertEquals(tvSoft, p.softTotalVariation(), 1e-12);
      maxHard = Math.max(maxHard, tvHard);
      maxSoft = Math.max(maxSoft, tvSoft);
    }
    assertEquals(maxHard, l.maxHardTotalVariation(), 1e-12);
    assertEquals(maxSoft, l.maxSoftTotalVariation(), 1e-12);
    assertEquals(l.pairs().get(2), sep.pair(0, AUDIO, TEXT));

    assertEquals(3, entropy.layers().get(0).meanTokenEntropyByModality().size());
    assertTrue(entropy.toCsv().startsWith("layer,experts,tokens,mean_token_entropy,"
        + "mean_token_entropy_image,mean_token_entropy_text,mean_token_entropy_audio,"),
        entropy.toCsv());
    assertEquals(3, logits.separations().size());
    assertEquals(3 * 4, logits.cells().size());
    assertTrue(shares.toCsv().contains("\n0,AUDIO,"), shares.toCsv());
  }

  @Test
  void separationOfOneModalityHasNoPairs() {
    MoeLayer moe = spec(RouterKind.LINEAR, 1, false).newLayer(new SplittableRandom(1));
    INDArray x = normal(2, 5, 6);
    ModalitySeparation sep = ModalitySeparation.measure(List.of(moe),
        () -> moe.forward(x, Modality.all(5, AUDIO)));
    assertTrue(sep.layers().get(0).pairs().isEmpty());
    assertNull(sep.layers().get(0).maxHardTotalVariation());
  }

  @Test
  void tagsOutsideTheModalitiesAreRefusedNamingTokenAndTag() {
    MoeLayer moe = spec(RouterKind.DTR, 1, false).newLayer(new SplittableRandom(1));
    INDArray x = normal(3, 6, 6);
    Modality[] tags = mixed(6);
    tags[4] = new Modality(3, "video");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> moe.forward(x, tags));
    assertTrue(e.getMessage().contains("token 4") && e.getMessage().contains("video (id 3)")
        && e.getMessage().contains("[image, text, audio]"), e.getMessage());
    // Same id, other name: a tag of another modality set.
    tags[4] = new Modality(2, "video");
    e = assertThrows(IllegalArgumentException.class, () -> moe.forward(x, tags));
    assertTrue(e.getMessage().contains("token 4") && e.getMessage().contains("video (id 2)"),
        e.getMessage());
    // A two-modality layer refuses audio.
    MoeLayer two = MoeLayerSpec.builder("mlp", 6, 8).experts(4).dataType(D).build()
        .newLayer(new SplittableRandom(2));
    e = assertThrows(IllegalArgumentException.class,
        () -> two.forward(x, Modality.all(6, AUDIO)));
    assertTrue(e.getMessage().contains("token 0") && e.getMessage().contains("audio (id 2)"),
        e.getMessage());
    // No forward ran: the layer has no routing to report.
    assertThrows(IllegalStateException.class, two::lastRouting);
  }

  @Test
  void collectorsRefuseARecordWithAModalityTheirLayerDoesNotHave() {
    MoeLayer three = spec(RouterKind.LINEAR, 1, false).newLayer(new SplittableRandom(1));
    three.forward(normal(4, 6, 6), mixed(6));
    RoutingRecord record = three.lastRouting(); // token 1 is the first audio token
    MoeLayer two = MoeLayerSpec.builder("mlp", 6, 8).experts(4).dataType(D).build()
        .newLayer(new SplittableRandom(2));
    List<org.evomoe.diagnostics.RoutingObserver> collectors = List.of(
        ModalityShares.collector(List.of(two)), ModalitySeparation.collector(List.of(two)),
        RoutingEntropy.collector(List.of(two), 0.0), RouterLogitStats.collector(List.of(two), 5));
    for (org.evomoe.diagnostics.RoutingObserver c : collectors) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> c.observe(0, record));
      assertTrue(e.getMessage().contains("token 1 has modality AUDIO")
          && e.getMessage().contains("[image, text]"), c + ": " + e.getMessage());
    }
  }

  @Test
  void modalitySetsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> Modalities.of());
    IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
        () -> Modalities.of("image", "audio", "image"));
    assertTrue(dup.getMessage().contains("'image' is listed twice"), dup.getMessage());
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> Modalities.of("image", "Audio"));
    assertTrue(bad.getMessage().contains("'Audio'"), bad.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Modalities.of("image", "a.b"));
    assertFalse(IMAGE_TEXT_AUDIO.contains(new Modality(2, "video")));
    assertEquals(AUDIO, IMAGE_TEXT_AUDIO.get(2));
    assertEquals(Modality.IMAGE, IMAGE_TEXT_AUDIO.get("image"), "the default constants are ids 0, 1");
    IllegalArgumentException ids = assertThrows(IllegalArgumentException.class,
        () -> IMAGE_TEXT_AUDIO.fromIds(new double[] {0, 2, 3}, "modality column", new int[] {5, 6, 9}));
    assertTrue(ids.getMessage().contains("row 9") && ids.getMessage().contains("3.0"),
        ids.getMessage());
  }
}
