package org.evomoe.examples.model;

import static org.evomoe.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.evomoe.diagnostics.CsvTable;
import org.evomoe.diagnostics.DiagnosticReport;
import org.evomoe.diagnostics.ModalitySeparation;
import org.evomoe.diagnostics.ModalityShares;
import org.evomoe.diagnostics.RouterLogitStats;
import org.evomoe.diagnostics.RoutingEntropy;
import org.evomoe.moe.MoeLayer;
import org.evomoe.nn.SoftmaxCrossEntropy;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Right padding is invisible to training: more padding changes neither the loss (cross-entropy,
 * load-balancing and z-losses), nor the logits of real positions, nor any gradient, nor the
 * routing diagnostics.
 */
class DecoderMaskTest {
  private static final int PAD = 4; // any id: padding is never embedded into a statistic

  /** Sequence 0: 2 image positions and 3 text tokens; sequence 1: 4 text tokens; padded to S. */
  static DecoderInput input(int seqLen, boolean masked) {
    int[][] real = {{DecoderModelTest.UNUSED, DecoderModelTest.UNUSED, 5, 1, 7}, {2, 9, 3, 8}};
    int[] tokens = new int[2 * seqLen];
    java.util.Arrays.fill(tokens, PAD);
    for (int b = 0; b < 2; b++) {
      System.arraycopy(real[b], 0, tokens, b * seqLen, real[b].length);
    }
    int[] lengths = masked ? new int[] {5, 4} : null;
    return new DecoderInput(2, seqLen, tokens, new int[] {2, 0}, normal(41, 2, 8), lengths);
  }

  record Run(double loss, double[] aux, double[] z, INDArray realLogits, INDArray dImage,
      List<INDArray> grads) {}

  static Run run(DecoderModel m, DecoderInput in) {
    int[] targets = NextTokenTargets.of(in, new int[] {3, 1}, new int[] {5, 4});
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    m.zeroGrad();
    INDArray logits = m.forward(in);
    double loss = ce.forward(logits, targets) + m.auxLoss();
    List<MoeLayer> moe = m.moeLayers();
    double[] aux = new double[moe.size()];
    double[] z = new double[moe.size()];
    for (int i = 0; i < aux.length; i++) {
      aux[i] = moe.get(i).auxLoss();
      z[i] = moe.get(i).zLoss();
    }
    INDArray dImage = m.backward(ce.backward());
    int s = in.seqLen();
    INDArray real = org.nd4j.linalg.factory.Nd4j.vstack(
        DecoderModelTest.rows(logits, 0, 5), DecoderModelTest.rows(logits, s, s + 4));
    List<INDArray> grads = new ArrayList<>();
    for (Parameter p : m.parameters()) {
      grads.add(p.grad().dup());
    }
    return new Run(loss, aux, z, real, dImage.dup(), grads);
  }

  static double maxDiff(INDArray a, INDArray b) {
    return a.sub(b).amaxNumber().doubleValue();
  }

  @Test
  void morePaddingChangesNoLossLogitOrGradient() {
    DecoderModel m = DecoderModelTest.model(Configs.tiny(1, Configs.moe()), 3);
    Run a = run(m, input(5, true));
    Run b = run(m, input(9, true));
    assertEquals(a.loss(), b.loss(), 1e-12);
    for (int i = 0; i < a.aux().length; i++) {
      assertTrue(a.aux()[i] > 0);
      assertEquals(a.aux()[i], b.aux()[i], 1e-12, "aux loss of MoE layer " + i);
      assertEquals(a.z()[i], b.z()[i], 1e-12, "z-loss of MoE layer " + i);
    }
    assertEquals(0.0, maxDiff(a.realLogits(), b.realLogits()), 1e-10);
    assertEquals(0.0, maxDiff(a.dImage(), b.dImage()), 1e-10);
    List<Parameter> ps = m.parameters();
    for (int i = 0; i < ps.size(); i++) {
      double scale = Math.max(1e-3, a.grads().get(i).amaxNumber().doubleValue());
      assertEquals(0.0, maxDiff(a.grads().get(i), b.grads().get(i)) / scale, 1e-6, ps.get(i).name());
    }
    // Without the mask the same padding is routed as text: the auxiliary loss moves.
    Run unmasked = run(m, input(9, false));
    assertTrue(Math.abs(unmasked.aux()[0] - a.aux()[0]) > 1e-6, "the check above could not fail");
  }

  @Test
  void gradientCheckThroughCrossEntropyWithPadding() {
    DecoderModel m = DecoderModelTest.model(Configs.tiny(1, Configs.moe()), 7);
    DecoderInput in = input(7, true);
    int[] targets = NextTokenTargets.of(in, new int[] {3, 1}, new int[] {5, 4});
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    m.zeroGrad();
    ce.forward(m.forward(in), targets);
    INDArray dImage = m.backward(ce.backward());
    // Rows 0..10 of the embedding are the ones real text positions use.
    org.evomoe.grad.GradientCheck.Target used = new org.evomoe.grad.GradientCheck.Target(
        "model.embed_tokens.weight[0:11]", DecoderModelTest.rows(m.embedTokens().value(), 0, 11),
        DecoderModelTest.rows(m.embedTokens().grad(), 0, 11));
    Grad.check(() -> new SoftmaxCrossEntropy().forward(m.forward(in), targets) + m.auxLoss(),
        Grad.targets(m, new org.evomoe.grad.GradientCheck.Target("image rows", in.imageRows(), dImage),
            used), 10);
  }

  @Test
  void morePaddingChangesNoRoutingDiagnostic() {
    DecoderModel m = DecoderModelTest.model(Configs.tiny(1, Configs.moe()), 5);
    List<MoeLayer> layers = m.moeLayers();
    List<Function<Runnable, DiagnosticReport>> diagnostics = List.of(
        pass -> ModalityShares.measure(layers, pass),
        pass -> RoutingEntropy.measure(layers, pass),
        pass -> RouterLogitStats.measure(layers, pass),
        pass -> ModalitySeparation.measure(layers, pass));
    for (Function<Runnable, DiagnosticReport> d : diagnostics) {
      DiagnosticReport a = d.apply(() -> m.forward(input(5, true)));
      DiagnosticReport b = d.apply(() -> m.forward(input(9, true)));
      DiagnosticReport unmasked = d.apply(() -> m.forward(input(9, false)));
      assertSameTables(a.tables(), b.tables());
      assertTrue(!a.toCsv().equals(unmasked.toCsv()), "padding routed as text must show");
    }
  }

  /** Equal tables; numbers to 1e-9 (the forward's sums may run in another order). */
  static void assertSameTables(Map<String, CsvTable> a, Map<String, CsvTable> b) {
    assertEquals(a.keySet(), b.keySet());
    for (String k : a.keySet()) {
      String[] ca = a.get(k).toCsv().split("[,\\n]");
      String[] cb = b.get(k).toCsv().split("[,\\n]");
      assertEquals(ca.length, cb.length, k);
      for (int i = 0; i < ca.length; i++) {
        try {
          double x = Double.parseDouble(ca[i]);
          double y = Double.parseDouble(cb[i]);
          assertTrue(x == y || Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x))
              || (Double.isNaN(x) && Double.isNaN(y)), k + ": " + ca[i] + " vs " + cb[i]);
        } catch (NumberFormatException e) {
          assertEquals(ca[i], cb[i], k);
        }
      }
    }
  }
}
