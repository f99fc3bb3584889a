package org.evomoe.examples.cli;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
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
  private ModelInputs() {}

  /** A canvas from a PNG (any size, scaled to the model's canvas), grayscale in [0, 1]. */
  static float[] png(Path file, int height, int width) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("image " + file + " does not exist");
    }
    BufferedImage img = ImageIO.read(file.toFile());
    if (img == null) {
      throw new IllegalArgumentException("image " + file + " is not a readable PNG/JPEG/GIF/BMP");
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
