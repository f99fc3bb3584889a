package org.evomoe.examples.cli;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import org.evomoe.examples.checkpoint.FileKinds;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.evomoe.examples.data.FashionMnist;
import org.evomoe.examples.data.instruct.InstructionConfig;
import org.evomoe.examples.data.instruct.InstructionDataGenerator;
import org.evomoe.examples.data.instruct.InstructionSample;
import org.evomoe.examples.model.DecoderInput;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.text.SpecialToken;
import org.evomoe.examples.text.WordTokenizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Builds single-sequence model inputs from a prompt and an optional image, for the commands. */
final class ModelInputs {
  /**
   * Most positions (image tokens and prompt tokens, generated tokens included) the commands feed
   * the model. The decoder's rotary position embedding has no learned limit, but attention costs
   * memory quadratic in the length; this bound keeps a single sequence to well under a GiB.
   */
  static final int MAX_CONTEXT = 2048;

  /** Pictures larger than this are refused before they are scaled. */
  static final long MAX_IMAGE_PIXELS = 50_000_000L;

  private ModelInputs() {}

  /**
   * Throws unless {@code positions} fit the context.
   *
   * @param what what the positions are, e.g. "the prompt (with the image)"
   */
  static void requireWithinContext(int positions, String what, String hint) {
    if (positions > MAX_CONTEXT) {
      throw new IllegalArgumentException(what + " needs " + positions + " positions, which"
          + " exceeds the context of " + MAX_CONTEXT + " tokens" + hint);
    }
  }

  /**
   * The text of a token id; ids of the model's vocabulary that the tokenizer does not name (a
   * vocab_size larger than tokenizer.json) read {@code <id N>}.
   */
  static String tokenText(WordTokenizer tok, int id) {
    return id >= 0 && id < tok.vocabularySize() ? tok.token(id) : "<id " + id + ">";
  }

  /** Positions of the prompt: image tokens, then {@code <bos>} and the words. */
  static int promptPositions(VisionLanguageModel model, float[] pixels, String prompt) {
    long words = WordTokenizer.split(prompt).size(); // linear in the prompt's length
    int p = pixels == null ? 0 : model.vision().tokensPerImage();
    return (int) Math.min(Integer.MAX_VALUE, p + 1 + words);
  }

  /** A canvas from a PNG (any size, scaled to the model's canvas), grayscale in [0, 1]. */
  static float[] png(Path file, int height, int width) throws IOException {
    FileKinds.requireRegularFile(file, "--image");
    BufferedImage img;
    try {
      img = ImageIO.read(file.toFile());
    } catch (IOException | RuntimeException e) {
      img = null;
    }
    if (img == null) {
      throw new IllegalArgumentException("--image " + file + " is not a readable PNG/JPEG/GIF/BMP");
    }
    if ((long) img.getWidth() * img.getHeight() > MAX_IMAGE_PIXELS) {
      throw new IllegalArgumentException("--image " + file + " has " + img.getWidth() + "x"
          + img.getHeight() + " pixels, more than the limit of " + MAX_IMAGE_PIXELS);
    }
    BufferedImage gray = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = gray.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(img, 0, 0, width, height, null);
    g.dispose();
    float[] px = new float[height * width];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        px[y * width + x] = (gray.getRaster().getSample(x, y, 0) & 0xff) / 255f;
      }
    }
    return px;
  }

  /** The canvas of test sample {@code index} of the instruction data made with {@code seed}. */
  static InstructionSample testSample(Path dataDir, long seed, int index) throws IOException {
    List<InstructionSample> test =
        InstructionDataGenerator.generate(FashionMnist.load(dataDir), InstructionConfig.defaults(seed)).test();
    List<InstructionSample> withImage = test.stream().filter(InstructionSample::hasImage).toList();
    if (index < 0 || index >= withImage.size()) {
      throw new IllegalArgumentException(
          "--image-index must be in [0, " + withImage.size() + "), got " + index);
    }
    return withImage.get(index);
  }

  /**
   * One sequence: [image positions][<bos> prompt tokens].
   *
   * @param pixels the canvas, or null for a text-only prompt
   */
  static DecoderInput input(VisionLanguageModel model, WordTokenizer tok, float[] pixels, String prompt) {
    requireWithinContext(promptPositions(model, pixels, prompt),
        "--prompt" + (pixels == null ? "" : " (after the " + model.vision().tokensPerImage()
            + " image tokens)"), "; shorten it");
    int p = pixels == null ? 0 : model.vision().tokensPerImage();
    int[] text = tok.encode(prompt, true, false);
    int[] tokens = new int[p + text.length];
    java.util.Arrays.fill(tokens, 0, p, tok.id(SpecialToken.IMAGE.text()));
    System.arraycopy(text, 0, tokens, p, text.length);
    INDArray px = pixels == null ? null
        : Nd4j.create(pixels, new long[] {1, pixels.length}, 'c').castTo(DataType.FLOAT);
    return model.input(px, new boolean[] {pixels != null}, 1, tokens.length, tokens);
  }
}
