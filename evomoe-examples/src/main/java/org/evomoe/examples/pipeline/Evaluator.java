package org.evomoe.examples.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomoe.examples.data.instruct.InstructionSample;
import org.evomoe.examples.data.instruct.InstructionTask;
import org.evomoe.examples.data.instruct.PopeProbe;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.text.WordTokenizer;
import org.evomoe.tensor.StepWorkspace;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Scores a model on instruction samples: per-task accuracy and POPE metrics, on the in-template
 * test prompts and, when given, on their held-out rewordings.
 */
public final class Evaluator {
  private final InstructionBatcher batcher;
  private final int batchSize;
  private final int yes;

  public Evaluator(InstructionBatcher batcher, WordTokenizer tokenizer, int batchSize) {
    this.batcher = batcher;
    this.batchSize = batchSize;
    this.yes = tokenizer.id("yes");
  }

  /** Scores every sample (in order, in batches of the configured size); in-template only. */
  public EvalResult evaluate(VisionLanguageModel model, List<InstructionSample> samples) {
    Scores in = score(model, samples);
    return new EvalResult(in.tasks(), in.pope());
  }

  /**
   * Scores the in-template test samples and their held-out rewordings.
   *
   * @param samples test samples worded with training templates
   * @param heldOut the same questions worded with held-out templates (any order, any subset)
   */
  public EvalResult evaluate(VisionLanguageModel model, List<InstructionSample> samples,
      List<InstructionSample> heldOut) {
    if (heldOut.isEmpty()) {
      throw new IllegalArgumentException("no held-out samples; use evaluate(model, samples)");
    }
    Scores in = score(model, samples);
    Scores out = score(model, heldOut);
    return new EvalResult(in.tasks(), in.pope(), out.tasks(), out.pope());
  }

  private record Scores(Map<String, TaskScore> tasks, Map<String, PopeScore> pope) {}

  private Scores score(VisionLanguageModel model, List<InstructionSample> samples) {
    Map<String, int[]> tasks = new LinkedHashMap<>(); // name -> {correct, total}
    for (InstructionTask t : InstructionTask.values()) {
      tasks.put(t.taskName(), new int[2]);
    }
    Map<String, PopeScore> pope = new LinkedHashMap<>();
    for (PopeProbe p : PopeProbe.values()) {
      pope.put(p.probeName(), new PopeScore(p.probeName(), 0, 0, 0, 0));
    }
    pope.put("all", new PopeScore("all", 0, 0, 0, 0));
    for (int from = 0; from < samples.size(); from += batchSize) {
      List<InstructionSample> part = samples.subList(from, Math.min(samples.size(), from + batchSize));
      InstructionBatch b = batcher.batch(part);
      int[] argmax;
      try (MemoryWorkspace ignored = StepWorkspace.open("eval")) {
        INDArray logits = ModelSteps.logits(model, b);
        if (!org.evomoe.examples.model.NonFiniteActivations.allFinite(logits)) {
          // Never an accuracy of 0 from NaN logits: stop, naming the layer.
          throw org.evomoe.examples.model.NonFiniteActivations.error(model, b.pixels(),
              ModelSteps.input(model, b),
              "the logits of the evaluation batch starting at sample " + from);
        }
        argmax = logits.argMax(1).toIntVector();
      }
      int s = b.seqLen();
      for (int i = 0; i < part.size(); i++) {
        InstructionSample sample = part.get(i);
        boolean correct = true;
        for (int pos = b.answerStart()[i]; pos < b.lengths()[i]; pos++) {
          // Row pos - 1 predicts the token at pos.
          if (argmax[i * s + pos - 1] != b.tokens()[i * s + pos]) {
            correct = false;
            break;
          }
        }
        int[] c = tasks.get(sample.task().taskName());
        c[0] += correct ? 1 : 0;
        c[1]++;
        if (sample.task() == InstructionTask.POPE) {
          boolean truthYes = sample.answer().trim().equals("yes");
          boolean predYes = argmax[i * s + b.answerStart()[i] - 1] == yes;
          String probe = sample.probe().probeName();
          pope.put(probe, pope.get(probe).add(truthYes, predYes));
          pope.put("all", pope.get("all").add(truthYes, predYes));
        }
      }
    }
    Map<String, TaskScore> scores = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> e : tasks.entrySet()) {
      if (e.getValue()[1] > 0) {
        scores.put(e.getKey(), new TaskScore(e.getKey(), e.getValue()[0], e.getValue()[1]));
      }
    }
    return new Scores(scores, pope);
  }

  /** The samples of the given tasks. */
  public static List<InstructionSample> ofTasks(List<InstructionSample> all, InstructionTask... tasks) {
    List<InstructionSample> out = new ArrayList<>();
    for (InstructionSample s : all) {
      for (InstructionTask t : tasks) {
        if (s.task() == t) {
          out.add(s);
        }
      }
    }
    return out;
  }
}
