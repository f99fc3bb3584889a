package org.evomoe.examples.model;

import static org.evomoe.examples.model.Grad.D;
import static org.evomoe.examples.model.Grad.maxAbsDiff;
import static org.evomoe.examples.model.Grad.normal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.grad.GradientCheck;
import org.evomoe.grad.GradientCheck.Target;
import org.evomoe.moe.MoeConfig;
import org.evomoe.moe.MoeLayer;
import org.evomoe.nn.SwiGluFfn;
import org.evomoe.router.LinearRouter;
import org.evomoe.router.Modality;
import org.evomoe.router.Router;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class DecoderBlockTest {
  /** A linear router that remembers the modality tags it was given. */
  static final class RecordingRouter implements Router {
    final LinearRouter inner;
    Modality[] seen;

    RecordingRouter(String name, int d, int e, DataType type, SplittableRandom rng) {
      inner = new LinearRouter(name, d, e, type, rng);
      inner.weight().value().muli(3);
    }

    @Override
    public int inputDim() {
      return inner.inputDim();
    }

    @Override
    public int numExperts() {
      return inner.numExperts();
    }

    @Override
    public INDArray forward(INDArray x, Modality[] modalities) {
      seen = modalities.clone();
      return inner.forward(x, modalities);
    }

    @Override
    public INDArray backward(INDArray dLogits) {
      return inner.backward(dLogits);
    }

    @Override
    public List<Parameter> parameters() {
      return inner.parameters();
    }
  }

  static DecoderBlock moeBlock(ModelConfig c, long seed, RecordingRouter[] routerOut) {
    SplittableRandom rng = new SplittableRandom(seed);
    DecoderBlock block = new DecoderBlock(0, c, D, rng);
    MoeConfig mc = c.moeConfig();
    List<SwiGluFfn> experts = new ArrayList<>();
    for (int e = 0; e < mc.numExperts(); e++) {
      experts.add(new SwiGluFfn("model.layers.0.mlp.experts." + e, 8, 12, D, rng));
    }
    RecordingRouter router = new RecordingRouter("model.layers.0.mlp.gate", 8, mc.numExperts(), D, rng);
    routerOut[0] = router;
    block.setFfn(new MoeLayer(mc, router, experts));
    return block;
  }

  static void randomiseNorms(DecoderBlock b, long seed) {
    b.inputNorm().weight().value().assign(normal(seed, 8).addi(1));
    b.postAttentionNorm().weight().value().assign(normal(seed + 1, 8).addi(1));
  }

  static Modality[] tags() {
    Modality[] m = Modality.all(10, Modality.TEXT);
    for (int r : new int[] {0, 1, 5, 6}) {
      m[r] = Modality.IMAGE; // two image positions at the start of each of the 2 sequences
    }
    return m;
  }

  @ParameterizedTest(name = "kvHeads={0}")
  @ValueSource(ints = {2, 1})
  void gradientCheckWithDenseFfn(int kvHeads) {
    ModelConfig c = Configs.tiny(kvHeads, Configs.moe());
    DecoderBlock b = new DecoderBlock(1, c, D, new SplittableRandom(3));
    randomiseNorms(b, 4);
    INDArray z = normal(5, 10, 8);
    Modality[] tags = tags();
    INDArray r = normal(6, 10, 8);
    b.zeroGrad();
    b.forward(z, 2, 5, tags);
    INDArray dz = b.backward(r);
    Grad.assertAllParametersReached(b);
    Grad.check(() -> GradientCheck.dot(b.forward(z, 2, 5, tags), r),
        Grad.targets(b, new Target("z", z, dz)), 30);
  }

  @Test
  void gradientCheckWithMoeFfnIncludingAuxiliaryLosses() {
    ModelConfig c = Configs.tiny(1, Configs.moe());
    RecordingRouter[] router = new RecordingRouter[1];
    DecoderBlock b = moeBlock(c, 7, router);
    randomiseNorms(b, 8);
    INDArray z = normal(9, 10, 8);
    Modality[] tags = tags();
    INDArray r = normal(10, 10, 8);
    b.zeroGrad();
    b.forward(z, 2, 5, tags);
    assertTrue(b.weightedAuxLoss() > 0);
    INDArray dz = b.backward(r);
    assertTrue(router[0].inner.weight().grad().amaxNumber().doubleValue() > 0);
    Grad.check(() -> GradientCheck.dot(b.forward(z, 2, 5, tags), r) + b.weightedAuxLoss(),
        Grad.targets(b, new Target("z", z, dz)), 30);
  }

  @Test
  void theMoeReceivesEveryRowsModality() {
    RecordingRouter[] router = new RecordingRouter[1];
    DecoderBlock b = moeBlock(Configs.tiny(2, Configs.moe()), 11, router);
    Modality[] tags = tags();
    b.forward(normal(12, 10, 8), 2, 5, tags);
    assertArrayEquals(tags, router[0].seen);
  }

  @Test
  void zeroedOutputProjectionsMakeTheBlockTheIdentity() {
    // With o_proj = 0 and down_proj = 0 both residual branches vanish: out = z exactly.
    DecoderBlock b = new DecoderBlock(0, Configs.tiny(2, Configs.moe()), D, new SplittableRandom(1));
    b.attention().oProj().weight().value().assign(0);
    b.denseFfn().down().value().assign(0);
    INDArray z = normal(2, 10, 8);
    assertEquals(0.0, maxAbsDiff(b.forward(z, 2, 5, tags()), z));
    // Only the attention branch: out = z + Attn(RMSNorm(z)).
    DecoderBlock b2 = new DecoderBlock(0, Configs.tiny(2, Configs.moe()), D, new SplittableRandom(1));
    b2.denseFfn().down().value().assign(0);
    INDArray expected = z.add(b2.attention().forward(b2.inputNorm().forward(z), 2, 5));
    assertTrue(maxAbsDiff(b2.forward(z, 2, 5, tags()), expected) < 1e-14);
  }

  @Test
  void parameterNamesFollowTheLlamaLayout() {
    RecordingRouter[] router = new RecordingRouter[1];
    List<String> moeNames = moeBlock(Configs.tiny(1, Configs.moe()), 1, router).parameters().stream()
        .map(Parameter::name).toList();
    assertEquals(List.of(
        "model.layers.0.input_layernorm.weight",
        "model.layers.0.self_attn.q_proj.weight",
        "model.layers.0.self_attn.k_proj.weight",
        "model.layers.0.self_attn.v_proj.weight",
        "model.layers.0.self_attn.o_proj.weight",
        "model.layers.0.post_attention_layernorm.weight",
        "model.layers.0.mlp.gate.weight",
        "model.layers.0.mlp.experts.0.gate_proj.weight",
        "model.layers.0.mlp.experts.0.up_proj.weight",
        "model.layers.0.mlp.experts.0.down_proj.weight",
        "model.layers.0.mlp.experts.1.gate_proj.weight",
        "model.layers.0.mlp.experts.1.up_proj.weight",
        "model.layers.0.mlp.experts.1.down_proj.weight",
        "model.layers.0.mlp.experts.2.gate_proj.weight",
        "model.layers.0.mlp.experts.2.up_proj.weight",
        "model.layers.0.mlp.experts.2.down_proj.weight"), moeNames);
    DecoderBlock dense = new DecoderBlock(1, Configs.tiny(1, Configs.moe()), D, new SplittableRandom(1));
    List<String> denseNames = dense.parameters().stream().map(Parameter::name).toList();
    assertTrue(denseNames.contains("model.layers.1.mlp.gate_proj.weight"));
    assertTrue(denseNames.contains("model.layers.1.mlp.down_proj.weight"));
    // GQA: k_proj has kvHeads * dh = 1 * 4 rows.
    assertArrayEquals(new long[] {4, 8}, dense.attention().kProj().weight().value().shape());
    assertThrows(IllegalStateException.class, dense::moe);
  }
}
