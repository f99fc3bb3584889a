package org.evomoe.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
    ObjectMapper om = new ObjectMapper();
    ObjectNode out = om.createObjectNode();
    out.put("checkpoint", ckpt.checkpoint.toString());
    out.put("prompt", prompt);
    out.put("imageTokens", in.imageCount(0));
    ArrayNode tokens = out.putArray("tokens");
    double sum = 0;
    for (int pos = first; pos < s; pos++) {
      double[] row = java.util.Arrays.copyOfRange(all, (pos - 1) * v, pos * v);
      double lse = SoftmaxCrossEntropy.logSumExp(row);
      int id = in.token(pos);
      double lp = row[id] - lse;
      sum += lp;
      ObjectNode t = tokens.addObject();
      t.put("position", pos);
      t.put("token", ModelInputs.tokenText(tok, id));
      t.put("id", id);
      t.put("logprob", lp);
    }
    out.put("totalLogprob", sum);
    double[] last = java.util.Arrays.copyOfRange(all, (s - 1) * v, s * v);
    double lse = SoftmaxCrossEntropy.logSumExp(last);
    Integer[] order = new Integer[v];
    for (int i = 0; i < v; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(last[b], last[a]));
    ArrayNode next = out.putArray("next");
    for (int i = 0; i < Math.min(top, v); i++) {
      ObjectNode t = next.addObject();
      t.put("token", ModelInputs.tokenText(tok, order[i]));
      t.put("id", order[i]);
      t.put("logprob", last[order[i]] - lse);
    }
    if (json) {
      System.out.println(om.writeValueAsString(out));
    } else {
      for (var t : tokens) {
        System.out.printf(Locale.ROOT, "%4d %-16s %10.5f%n", t.get("position").asInt(), t.get("token").asText(),
            t.get("logprob").asDouble());
      }
      System.out.printf(Locale.ROOT, "total log-probability %.5f%nnext:", sum);
      for (var t : next) {
        System.out.printf(Locale.ROOT, " %s (%.4f)", t.get("token").asText(), Math.exp(t.get("logprob").asDouble()));
      }
      System.out.println();
    }
    return 0;
  }
}
