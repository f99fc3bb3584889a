package org.evomoe.examples.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.evomoe.examples.data.instruct.InstructionSample;
import org.evomoe.examples.text.SpecialToken;
import org.evomoe.examples.text.WordTokenizer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Turns instruction samples into {@link InstructionBatch}es of a fixed sequence length. */
public final class InstructionBatcher {
  private final WordTokenizer tokenizer;
  private final int imageTokens; // P
  private final int seqLen; // S
  private final DataType type;

  /**
   * @param imageTokens positions an image takes (the vision encoder's patches)
   * @param seqLen S; must fit every sample given later
   */
  public InstructionBatcher(WordTokenizer tokenizer, int imageTokens, int seqLen, DataType type) {
    this.tokenizer = tokenizer;
    this.imageTokens = imageTokens;
    this.seqLen = seqLen;
    this.type = type;
  }

  /** The shortest S that fits every sample: P + 1 (bos) + prompt + answer + 1 (eos). */
  public static int requiredLength(WordTokenizer tok, int imageTokens, List<InstructionSample> samples) {
    int max = 0;
    for (InstructionSample s : samples) {
      int len = (s.hasImage() ? imageTokens : 0) + 2 + tok.encode(s.prompt()).length
          + tok.encode(s.answer()).length;
      max = Math.max(max, len);
    }
    return max;
  }

  public int seqLen() {
    return seqLen;
  }

  /** Lays out the samples (in the given order) as one batch. */
  public InstructionBatch batch(List<InstructionSample> samples) {
    int b = samples.size();
    if (b == 0) {
      throw new IllegalArgumentException("a batch needs at least one sample");
    }
    int pad = tokenizer.id(SpecialToken.PAD.text());
    int bos = tokenizer.id(SpecialToken.BOS.text());
    int eos = tokenizer.id(SpecialToken.EOS.text());
    int img = tokenizer.id(SpecialToken.IMAGE.text());
    int[] tokens = new int[b * seqLen];
    Arrays.fill(tokens, pad);
    int[] answerStart = new int[b];
    int[] lengths = new int[b];
    boolean[] withImage = new boolean[b];
    List<float[]> canvases = new ArrayList<>();
    for (int i = 0; i < b; i++) {
      InstructionSample s = samples.get(i);
      int pos = 0;
      if (s.hasImage()) {
        withImage[i] = true;
        canvases.add(s.pixels());
        for (int p = 0; p < imageTokens; p++) {
          tokens[i * seqLen + pos++] = img;
        }
      }
      int[] prompt = tokenizer.encode(s.prompt());
      int[] answer = tokenizer.encode(s.answer());
      int need = pos + 2 + prompt.length + answer.length;
      if (need > seqLen) {
        throw new IllegalArgumentException("sample needs " + need + " positions, the batcher has "
            + seqLen + ": " + s.prompt() + " -> " + s.answer());
      }
      tokens[i * seqLen + pos++] = bos;
      for (int t : prompt) {
        tokens[i * seqLen + pos++] = t;
      }
      answerStart[i] = pos;
      for (int t : answer) {
        tokens[i * seqLen + pos++] = t;
      }
      tokens[i * seqLen + pos++] = eos;
      lengths[i] = pos;
    }
    INDArray pixels = null;
    if (!canvases.isEmpty()) {
      int n = canvases.get(0).length;
      float[] all = new float[canvases.size() * n];
      for (int i = 0; i < canvases.size(); i++) {
        System.arraycopy(canvases.get(i), 0, all, i * n, n);
      }
      pixels = Nd4j.create(all, new long[] {canvases.size(), n}, 'c').castTo(type);
    }
    return new InstructionBatch(List.copyOf(samples), seqLen, pixels, withImage, tokens,
        answerStart, lengths);
  }

}
