package org.evomoe.examples.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.evomoe.examples.data.instruct.InstructionSample;
import org.evomoe.examples.model.DecoderInput;
import org.evomoe.examples.model.MoeSettings;
import org.evomoe.examples.model.NextTokenTargets;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.nn.SoftmaxCrossEntropy;
import org.evomoe.tensor.Parameter;
import org.evomoe.tensor.StepWorkspace;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.memory.MemoryWorkspace;

class ValidationLossTest {
  @Test
  void equalsTheTrainingCrossEntropyOfOneBatchWhateverTheBatching() throws Exception {
    DemoPipeline p = new DemoPipeline(TinySettings.of(5));
    VisionLanguageModel m = p.newModel(MoeSettings.evoMoe(4));
    List<InstructionSample> samples = p.data().test().subList(0, 11);
    double oracle;
    InstructionBatch b = p.batcher().batch(samples);
    try (MemoryWorkspace ignored = StepWorkspace.open("oracle")) {
      DecoderInput in = m.input(b.pixels(), b.withImage(), b.size(), b.seqLen(), b.tokens());
      int[] targets = NextTokenTargets.of(in, b.answerStart(), b.lengths());
      oracle = new SoftmaxCrossEntropy().forward(m.forward(in), targets);
    }
    double[] before = weights(m);
    for (int batch : new int[] {1, 3, 11, 64}) {
      assertEquals(oracle, new ValidationLoss(p.batcher(), samples, batch).measure(m), 1e-5,
          "batch " + batch);
    }
    assertArrayEquals(before, weights(m), 0.0, "validation must not change the weights");
    double[][] per = new ValidationLoss(p.batcher(), samples, 4).perSample(m);
    for (int i = 0; i < samples.size(); i++) {
      // answer tokens plus <eos>
      int answerWords = samples.get(i).answer().split(" ").length;
      assertEquals(answerWords + 1, per[1][i], 0.0, samples.get(i).answer());
    }
    assertThrows(IllegalArgumentException.class, () -> new ValidationLoss(p.batcher(), List.of(), 4));
  }

  private static double[] weights(VisionLanguageModel m) {
    int n = 0;
    for (Parameter q : m.parameters()) {
      n += (int) q.length();
    }
    double[] out = new double[n];
    int at = 0;
    for (Parameter q : m.parameters()) {
      double[] v = q.value().dup().data().asDouble();
      System.arraycopy(v, 0, out, at, v.length);
      at += v.length;
    }
    return out;
  }
}
