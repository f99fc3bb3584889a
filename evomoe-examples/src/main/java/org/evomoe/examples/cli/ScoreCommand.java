package org.evomoe.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.evomoe.examples.checkpoint.LoadedModel;
import org.evomoe.examples.model.DecoderInput;
import org.evomoe.examples.model.NonFiniteActivations;
import org.evomoe.examples.text.WordTokenizer;
import org.evomoe.nn.SoftmaxCrossEntropy;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code evomoe score}: per-token log-probabilities of a prompt and the top of the next-token
 * distribution, so that another implementation can compare numerics.
 */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    description = "Per-token log-probabilities of a prompt (after <bos>) and the next-token top entries.")
public final class ScoreCommand implements Callable<Integer> {
  @Mixin CheckpointOptions ckpt;

  @Mixin ImageOptions image;

  @Option(names = "--prompt", required = true, description = "The text to score.")
  String prompt;

  @Option(names = "--top", description = "Next-token entries to list (default: ${DEFAULT-VALUE}).")
  int top = 10;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (top < 1) {
      throw new IllegalArgumentException("--top must be >= 1, got " + top);
    }
    LoadedModel lm = ckpt.load();
    WordTokenizer tok = lm.tokenizer();
    float[] px = image.pixels(lm.spec().vision());
    DecoderInput in = ModelInputs.input(lm.model(), tok, px, prompt);
    INDArray logits = lm.model().forward(in).castTo(DataType.DOUBLE);
    if (!NonFiniteActivations.allFinite(logits)) {
      // Never a NaN log-probability with exit 0: stop, naming the layer.
      INDArray pixels = px == null ? null
          : org.nd4j.linalg.factory.Nd4j.create(px, new long[] {1, px.length}, 'c').castTo(DataType.FLOAT);
      throw NonFiniteActivations.error(lm.model(), pixels, in, "the scores of --prompt");
    }
    int v = (int) logits.size(1);
    int s = in.seqLen();
    int first = in.imageCount(0) + 1; // the first token after <bos>
    double[] all = logits.data().asDouble();
    List<PromptScores.ScoredToken> tokens = new ArrayList<>();
    double sum = 0;
    for (int pos = first; pos < s; pos++) {
      double[] row = java.util.Arrays.copyOfRange(all, (pos - 1) * v, pos * v);
      double lse = SoftmaxCrossEntropy.logSumExp(row);
      int id = in.token(pos);
      double lp = row[id] - lse;
      sum += lp;
      tokens.add(new PromptScores.ScoredToken(pos, ModelInputs.tokenText(tok, id), id, lp));
    }
    double[] last = java.util.Arrays.copyOfRange(all, (s - 1) * v, s * v);
    double lse = SoftmaxCrossEntropy.logSumExp(last);
    Integer[] order = new Integer[v];
    for (int i = 0; i < v; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(last[b], last[a]));
    List<PromptScores.NextToken> next = new ArrayList<>();
    for (int i = 0; i < Math.min(top, v); i++) {
      next.add(new PromptScores.NextToken(ModelInputs.tokenText(tok, order[i]), order[i],
          last[order[i]] - lse));
    }
    PromptScores out = new PromptScores(ckpt.checkpoint.toString(), prompt, in.imageCount(0),
        tokens, sum, next);
    if (json) {
      System.out.println(new ObjectMapper().writeValueAsString(out));
    } else {
      for (PromptScores.ScoredToken t : out.tokens()) {
        System.out.printf(Locale.ROOT, "%4d %-16s %10.5f%n", t.position(), t.token(), t.logprob());
      }
      System.out.printf(Locale.ROOT, "total log-probability %.5f%nnext:", out.totalLogprob());
      for (PromptScores.NextToken t : out.next()) {
        System.out.printf(Locale.ROOT, " %s (%.4f)", t.token(), Math.exp(t.logprob()));
      }
      System.out.println();
    }
    return 0;
  }
}
