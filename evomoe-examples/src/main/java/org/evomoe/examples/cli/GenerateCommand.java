package org.evomoe.examples.cli;

import java.util.concurrent.Callable;
import org.evomoe.examples.checkpoint.LoadedModel;
import org.evomoe.examples.model.DecoderInput;
import org.evomoe.examples.model.GenerationResult;
import org.evomoe.examples.model.Generator;
import org.evomoe.examples.model.SamplingConfig;
import org.evomoe.examples.text.SpecialToken;
import org.evomoe.examples.text.WordTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code evomoe generate}: an answer to a prompt about an image, with the KV cache. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Answer a prompt (about an image from the data set or a picture file) with a trained checkpoint.")
public final class GenerateCommand implements Callable<Integer> {
  @Mixin CheckpointOptions ckpt;

  @Mixin ImageOptions image;

  @Option(names = "--prompt", required = true, description = "The question, e.g. \"what is at the top left ?\"")
  String prompt;

  @Option(names = "--max-tokens", description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
  int maxTokens = 16;

  @Option(names = "--temperature", description = "0 for greedy (default: ${DEFAULT-VALUE}).")
  double temperature = 0;

  @Option(names = "--top-p", description = "Nucleus sampling mass (default: ${DEFAULT-VALUE}).")
  double topP = 1.0;

  @Option(names = "--seed", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
  long seed = 1;

  @Override
  public Integer call() throws Exception {
    if (maxTokens < 1) {
      throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxTokens);
    }
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("--temperature must be a finite number >= 0, got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
    }
    LoadedModel lm = ckpt.load();
    WordTokenizer tok = lm.tokenizer();
    float[] pixels = image.pixels(lm.spec().vision());
    DecoderInput in = ModelInputs.input(lm.model(), tok, pixels, prompt);
    long total = (long) in.seqLen() + maxTokens;
    if (total > ModelInputs.MAX_CONTEXT) {
      throw new IllegalArgumentException("--max-tokens " + maxTokens + " with a prompt of "
          + in.seqLen() + " positions exceeds the context of "
          + ModelInputs.MAX_CONTEXT + " tokens; use --max-tokens "
          + (ModelInputs.MAX_CONTEXT - in.seqLen()) + " or less");
    }
    SamplingConfig sampling = temperature == 0 ? SamplingConfig.greedy()
        : new SamplingConfig(temperature, topP, seed);
    GenerationResult r = new Generator(lm.model().decoder())
        .generate(in, maxTokens, sampling, tok.id(SpecialToken.EOS.text()));
    int[] ids = r.tokens(0);
    int known = 0;
    while (known < ids.length && ids[known] < tok.vocabularySize()) {
      known++;
    }
    StringBuilder text = new StringBuilder(tok.decode(java.util.Arrays.copyOf(ids, known), true));
    for (int i = known; i < ids.length; i++) {
      text.append(text.length() == 0 ? "" : " ").append(ModelInputs.tokenText(tok, ids[i]));
    }
    System.out.println(text);
    return 0;
  }
}
