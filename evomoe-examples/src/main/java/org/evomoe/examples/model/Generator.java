package org.evomoe.examples.model;

import java.util.Arrays;
import org.evomoe.tensor.Buffers;
import org.evomoe.tensor.FrozenWeights;
import org.evomoe.tensor.StepWorkspace;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Incremental decoding with a key/value cache: one forward over the prompt (prefill), then one
 * forward per new token over that token alone. All sequences of a batch advance together (their
 * prompts have the same length, images first); a sequence that produced the end token keeps
 * being fed that token, but nothing more is recorded for it.
 */
public final class Generator {
  /** The per-token workspace, freed when a generation ends. */
  static final String WORKSPACE = "generate";

  private final DecoderModel model;

  public Generator(DecoderModel model) {
    this.model = model;
  }

  /**
   * @param prompt B prompts of S positions (images first)
   * @param maxNewTokens how many tokens to generate at most, &gt;= 0
   * @param sampling greedy, temperature or top-p
   * @param endToken the end-of-sequence id, or -1 for none
   */
  public GenerationResult generate(
      DecoderInput prompt, int maxNewTokens, SamplingConfig sampling, int endToken) {
    return generate(prompt, maxNewTokens, sampling, endToken, null);
  }

  /**
   * As {@link #generate(DecoderInput, int, SamplingConfig, int)}, calling {@code afterStep} (when
   * not null) with the number of decoding steps done after each one (for memory measurements).
   * The generation runs inside a {@link FrozenWeights} scope: {@code afterStep} must not change
   * the model's parameters.
   */
  public GenerationResult generate(DecoderInput prompt, int maxNewTokens, SamplingConfig sampling,
      int endToken, java.util.function.IntConsumer afterStep) {
    if (maxNewTokens < 0) {
      throw new IllegalArgumentException("maxNewTokens must be >= 0, got " + maxNewTokens);
    }
    int vocab = model.config().vocabSize();
    if (endToken < -1 || endToken >= vocab) {
      throw new IllegalArgumentException(
          "endToken must be -1 or in [0, " + vocab + "), got " + endToken);
    }
    int batch = prompt.batch();
    // Grown as tokens arrive: maxNewTokens is a bound, not a size to allocate.
    int initial = Math.min(maxNewTokens, 64);
    int[][] tokens = new int[batch][initial];
    double[][] logProbs = new double[batch][initial];
    int[] produced = new int[batch];
    boolean[] done = new boolean[batch];
    if (maxNewTokens == 0) {
      return result(tokens, logProbs, produced);
    }
    TokenSampler sampler = new TokenSampler(sampling);
    KvCache cache = model.newCache();
    int[] next = null;
    // The weights stay fixed for the whole generation, so layers may keep arrays derived from them
    // (the DTR's packed hypernetwork weights) from one token to the next; the scope ends with it.
    try (FrozenWeights ignoredFrozen = FrozenWeights.open()) {
      for (int step = 0; step < maxNewTokens; step++) {
        // Every temporary of one forward lives in a workspace that the next token reuses (the
        // cache's buffers are allocated outside workspaces), so decoding leaves nothing for the
        // garbage collector; only the last positions' logits leave the step, as doubles.
        double[] rowsAll;
        int lastRowStride;
        try (MemoryWorkspace ignored = StepWorkspace.open(WORKSPACE)) {
          INDArray logits = step == 0
              ? model.forward(prompt, cache)
              : model.forward(DecoderInput.text(batch, 1, next), cache);
          lastRowStride = step == 0 ? prompt.seqLen() : 1;
          if (!NonFiniteActivations.allFinite(logits)) {
            throw NonFiniteActivations.error(model, replay(prompt, tokens, produced),
                step == 0 ? "the logits of the prompt" : "the logits of generated token " + (step + 1));
          }
          rowsAll = lastRows(logits, batch, lastRowStride, vocab);
        }
        next = new int[batch];
        for (int b = 0; b < batch; b++) {
          double[] l = Arrays.copyOfRange(rowsAll, b * vocab, (b + 1) * vocab);
          if (done[b]) {
            next[b] = endToken;
            continue;
          }
          int t = sampler.sample(l);
          next[b] = t;
          if (produced[b] == tokens[b].length) {
            int grown = (int) Math.min(maxNewTokens, 2L * tokens[b].length);
            tokens[b] = Arrays.copyOf(tokens[b], grown);
            logProbs[b] = Arrays.copyOf(logProbs[b], grown);
          }
          tokens[b][produced[b]] = t;
          logProbs[b][produced[b]] = TokenSampler.logSoftmax(l)[t];
          produced[b]++;
          if (t == endToken) {
            done[b] = true;
          }
        }
        if (afterStep != null) {
          afterStep.accept(step + 1);
        }
        boolean allDone = true;
        for (boolean d : done) {
          allDone &= d;
        }
        if (allDone) {
          break;
        }
      }
    } finally {
      StepWorkspace.release(WORKSPACE);
    }
    return result(tokens, logProbs, produced);
  }

  /** The last position's logits of every sequence, [B * V] as doubles (row b*S + S-1 of logits). */
  private static double[] lastRows(INDArray logits, int batch, int seqLen, int vocab) {
    Buffers b = Buffers.of(logits.isView() ? logits.dup('c') : logits);
    double[] out = new double[batch * vocab];
    for (int s = 0; s < batch; s++) {
      b.read(((long) s * seqLen + seqLen - 1) * vocab, out, s * vocab, vocab);
    }
    return out;
  }

  /** The prompt followed by the tokens generated so far (one sequence; else the prompt alone). */
  private static DecoderInput replay(DecoderInput prompt, int[][] tokens, int[] produced) {
    if (prompt.batch() != 1 || produced[0] == 0) {
      return prompt;
    }
    int s = prompt.seqLen();
    int[] all = Arrays.copyOf(prompt.tokens(), s + produced[0]);
    System.arraycopy(tokens[0], 0, all, s, produced[0]);
    return new DecoderInput(1, s + produced[0], all, prompt.imageCounts(), prompt.imageRows());
  }

  private static GenerationResult result(int[][] tokens, double[][] logProbs, int[] produced) {
    int[][] t = new int[tokens.length][];
    double[][] l = new double[tokens.length][];
    for (int b = 0; b < tokens.length; b++) {
      t[b] = Arrays.copyOf(tokens[b], produced[b]);
      l[b] = Arrays.copyOf(logProbs[b], produced[b]);
    }
    return new GenerationResult(t, l);
  }
}
