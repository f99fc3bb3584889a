package org.evomoe.examples.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.evomoe.golden.GoldenFixture;
import org.evomoe.golden.GoldenFixture.Precision;
import org.evomoe.moe.RoutingConfig;
import org.evomoe.nn.SoftmaxCrossEntropy;
import org.evomoe.router.DtrConfig;
import org.evomoe.router.DynamicTokenRouter;
import org.evomoe.router.HyperActivation;
import org.evomoe.router.RouterKind;
import org.evomoe.router.ThetaContraction;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The whole multimodal model against PyTorch (src-test-data/golden, docs/golden-tests.md). The
 * fixture has the demo's architecture at small widths: 4 decoder layers with the DTR-routed top-1
 * MoE (4 experts, alpha = 0.001) on layers 0 and 2, 4 query heads on 2 key/value heads, a 1-layer
 * vision encoder and the projector; one batch of an image sequence and a text-only one with
 * ignored targets. PyTorch runs the rebuild of docs/checkpoint-format.md ({@code
 * evomoe_torch.py}) with autograd. Compared: the logits, the loss (cross-entropy plus the
 * weighted auxiliary losses), the gradient of every parameter (vision encoder included), and the
 * logits of KV-cache decoding (a prefill with the image, then one position at a time).
 *
 * <p>Tolerances: float64 1e-9. Float32 5e-6: float32 errors of ~1e-7 per layer grow through
 * eleven stacked layers (vision, projector, four decoder blocks) and the backward; measured at
 * most 3.1e-7 (logits; the gradients less).
 */
class DecoderGoldenTest {
  record Vision(int image_height, int image_width, int patch_size, int hidden_size, int intermediate_size,
      int num_hidden_layers, int num_attention_heads, double rms_norm_eps) {}

  record Dtr(int rank, int embed_dim, int hyper_hidden, String hyper_activation, boolean phi_bias) {}

  record Config(int vocab_size, int hidden_size, int intermediate_size, int num_hidden_layers,
      int num_attention_heads, int num_key_value_heads, double rms_norm_eps, double rope_theta,
      List<Integer> moe_layers, String moe_mode, int num_local_experts, int num_experts_per_tok,
      boolean norm_topk_prob, double router_aux_loss_coef, double router_z_loss_coef, String router_kind,
      Dtr dtr_config, Vision vision_config) {}

  record Settings(Config config, int batch, int seqLen, List<Integer> tokens, List<Boolean> withImage,
      List<Integer> targets, List<Integer> lengths) {}

  @AfterEach
  void threads() {
    GoldenFixture.restoreThreads();
  }

  static VisionLanguageModel build(GoldenFixture g, Config c, Precision p) {
    VisionLanguageModel vlm = model(c, p.type());
    TreeSet<String> expected = new TreeSet<>();
    for (String n : g.names()) {
      if (n.startsWith("param.")) {
        expected.add(n.substring("param.".length()));
      }
    }
    TreeSet<String> actual = new TreeSet<>();
    for (Parameter par : vlm.parameters()) {
      actual.add(par.name());
      g.assign(par, "param." + par.name());
    }
    assertEquals(expected, actual, "the fixture holds exactly the model's parameters");
    return vlm;
  }

  /** The model of a fixture's config (random weights, every parameter trainable). */
  static VisionLanguageModel model(Config c, org.nd4j.linalg.api.buffer.DataType type) {
    SplittableRandom rng = new SplittableRandom(1);
    ModelConfig mc = new ModelConfig(c.vocab_size(), c.hidden_size(), c.num_hidden_layers(),
        c.num_attention_heads(), c.num_key_value_heads(), c.intermediate_size(), c.rope_theta(),
        c.rms_norm_eps(), new java.util.HashSet<>(c.moe_layers()),
        new MoeSettings(c.num_local_experts(), new RoutingConfig(c.num_experts_per_tok(),
            c.norm_topk_prob(), c.router_aux_loss_coef(), c.router_z_loss_coef(), RouterKind.DTR)));
    DecoderModel decoder = DecoderModel.createDense(mc, type, rng);
    Dtr d = c.dtr_config();
    decoder.upcycle(mc.moeLayers(), mc.moeConfig(), (name, dm, e, t, r) -> new DynamicTokenRouter(name, dm, e,
        new DtrConfig(d.rank(), d.embed_dim(), d.hyper_hidden(), HyperActivation.NONE, d.phi_bias(),
            ThetaContraction.CONTRACTED), t, r), rng);
    Vision v = c.vision_config();
    VisionEncoder vision = new VisionEncoder(new VisionConfig(v.image_height(), v.image_width(), v.patch_size(),
        v.hidden_size(), v.num_hidden_layers(), v.num_attention_heads(), v.intermediate_size(), v.rms_norm_eps()),
        type, rng);
    VisionLanguageModel vlm = new VisionLanguageModel(vision,
        new MultiModalProjector(v.hidden_size(), c.hidden_size(), type, rng), decoder);
    for (Parameter par : vlm.parameters()) {
      par.setTrainable(true);
    }
    return vlm;
  }

  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> cases() {
    List<org.junit.jupiter.params.provider.Arguments> all = new java.util.ArrayList<>();
    for (String c : List.of("decoder", "decoder_padding")) {
      GoldenFixture.runs().forEach(a -> all.add(org.junit.jupiter.params.provider.Arguments.of(
          c, a.get()[0], a.get()[1])));
    }
    return all.stream();
  }

  /**
   * {@code decoder_padding}: the text-only sequence is right-padded after 7 of its 10 positions
   * (the input's lengths); padding has ignored targets, takes no part in the MoE statistics, and
   * its logits are not compared (the fixture holds 0 there).
   */
  @ParameterizedTest(name = "{0} {1}, {2} threads")
  @MethodSource("cases")
  void logitsLossAndEveryGradientMatchPyTorch(String name, Precision p, int threads) {
    GoldenFixture.useThreads(threads);
    GoldenFixture g = GoldenFixture.load(name, p);
    Settings s = GoldenFixture.settings(name, Settings.class);
    double tol = tol(p);
    VisionLanguageModel vlm = build(g, s.config(), p);
    DecoderInput in = vlm.input(g.array("pixels"), withImage(s), s.batch(), s.seqLen(), ints(s.tokens()),
        ints(s.lengths()));
    INDArray logits = vlm.forward(in);
    INDArray realLogits = logits.dup();
    for (int b = 0; b < s.batch(); b++) {
      for (int pos = s.lengths().get(b); pos < s.seqLen(); pos++) {
        realLogits.getRow((long) b * s.seqLen() + pos).assign(0);
      }
    }
    g.assertClose("logits", realLogits, tol);
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    double loss = ce.forward(logits, ints(s.targets())) + vlm.auxLoss();
    g.assertClose("aux_loss", new double[] {vlm.auxLoss()}, tol);
    g.assertClose("loss", new double[] {loss}, tol);
    vlm.backward(ce.backward());
    for (Parameter par : vlm.parameters()) {
      g.assertGrad("grad." + par.name(), par, tol);
    }
  }

  @ParameterizedTest(name = "{0}, {1} threads")
  @MethodSource("org.evomoe.golden.GoldenFixture#runs")
  void kvCacheDecodingMatchesPyTorchLogits(Precision p, int threads) {
    GoldenFixture.useThreads(threads);
    GoldenFixture g = GoldenFixture.load("decoder", p);
    Settings s = GoldenFixture.settings("decoder", Settings.class);
    double tol = tol(p);
    VisionLanguageModel vlm = build(g, s.config(), p);
    int batch = s.batch();
    int seq = s.seqLen();
    int prefill = seq - 3;
    int[] tokens = ints(s.tokens());
    INDArray expected = g.array("logits");
    int vocab = (int) expected.size(1);
    INDArray got = Nd4j.create(p.type(), (long) batch * seq, vocab);
    KvCache cache = vlm.decoder().newCache();
    int at = 0;
    for (int len : new int[] {prefill, 1, 1, 1}) {
      int[] chunk = new int[batch * len];
      for (int b = 0; b < batch; b++) {
        System.arraycopy(tokens, b * seq + at, chunk, b * len, len);
      }
      DecoderInput in = at == 0
          ? vlm.input(g.array("pixels"), withImage(s), batch, len, chunk)
          : DecoderInput.text(batch, len, chunk);
      INDArray out = vlm.decoder().forward(in, cache);
      for (int b = 0; b < batch; b++) {
        for (int i = 0; i < len; i++) {
          got.putRow((long) b * seq + at + i, out.getRow((long) b * len + i));
        }
      }
      at += len;
    }
    g.assertClose("logits", got, tol);
  }

  static boolean[] withImage(Settings s) {
    boolean[] w = new boolean[s.withImage().size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = s.withImage().get(i);
    }
    return w;
  }

  static int[] ints(List<Integer> l) {
    return l.stream().mapToInt(Integer::intValue).toArray();
  }

  static double tol(Precision p) {
    return p == Precision.F64 ? 1e-9 : 5e-6;
  }

  /**
   * Deliberately broken variants of the whole model the logits must catch, each by at least
   * {@link GoldenFixture#CAUGHT_MARGIN} tolerances, built by rearranging the loaded weights so the
   * model computes exactly what the bug would: RoPE's rotate_half with its halves swapped in every
   * decoder layer (each head's halves of q_proj and k_proj swapped); the DTR's modalities swapped
   * (image tokens routed by the text hypernetwork and the other way round); lm_head read from
   * embed_tokens (tied weights assumed where the checkpoint has its own lm_head).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("org.evomoe.golden.GoldenFixture#precisions")
  void brokenModelsAreCaught(Precision p) {
    GoldenFixture g = GoldenFixture.load("decoder", p);
    Settings s = GoldenFixture.settings("decoder", Settings.class);
    Config c = s.config();
    int dh = c.hidden_size() / c.num_attention_heads();
    caught(g, s, p, "RoPE halves swapped", vlm -> {
      for (Parameter par : vlm.parameters()) {
        if (par.name().startsWith("model.layers.") && par.name().endsWith("q_proj.weight")) {
          permuteRows(par, AttentionGoldenTest.withinHeads(c.num_attention_heads(), dh, i -> (i + dh / 2) % dh));
        } else if (par.name().startsWith("model.layers.") && par.name().endsWith("k_proj.weight")) {
          permuteRows(par, AttentionGoldenTest.withinHeads(c.num_key_value_heads(), dh, i -> (i + dh / 2) % dh));
        }
      }
    });
    caught(g, s, p, "router modalities swapped", vlm -> {
      for (Parameter par : vlm.parameters()) {
        String n = par.name();
        if (n.contains(".hyper.image.")) {
          g.assign(par, "param." + n.replace(".hyper.image.", ".hyper.text."));
        } else if (n.contains(".hyper.text.")) {
          g.assign(par, "param." + n.replace(".hyper.text.", ".hyper.image."));
        }
      }
    });
    caught(g, s, p, "lm_head tied to embed_tokens", vlm -> {
      for (Parameter par : vlm.parameters()) {
        if (par.name().equals("lm_head.weight")) {
          g.assign(par, "param.model.embed_tokens.weight");
        }
      }
    });
  }

  private static void caught(GoldenFixture g, Settings s, Precision p, String mutant,
      java.util.function.Consumer<VisionLanguageModel> breakIt) {
    VisionLanguageModel vlm = build(g, s.config(), p);
    breakIt.accept(vlm);
    INDArray logits = vlm.forward(vlm.input(g.array("pixels"), withImage(s), s.batch(), s.seqLen(),
        ints(s.tokens()), ints(s.lengths())));
    g.assertCaught(mutant, "logits", logits, tol(p));
  }

  private static void permuteRows(Parameter par, int[] perm) {
    INDArray w = par.value();
    w.assign(Nd4j.pullRows(w.dup(), 1, perm));
  }
}
