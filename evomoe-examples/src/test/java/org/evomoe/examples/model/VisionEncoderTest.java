package org.evomoe.examples.model;

import static org.evomoe.examples.model.Grad.D;
import static org.evomoe.examples.model.Grad.maxAbsDiff;
import static org.evomoe.examples.model.Grad.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.grad.GradientCheck;
import org.evomoe.grad.GradientCheck.Target;
import org.evomoe.tensor.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class VisionEncoderTest {
  // 4x6 canvas, 2x2 patches: a 2x3 grid of 6 patches per image.
  static VisionConfig small(int layers) {
    return new VisionConfig(4, 6, 2, 8, layers, 2, 12, 1e-6);
  }

  @Test
  void patchesAreCutRowMajorAndGetTheirPositionEmbedding() {
    // dVision = p*p = 4, identity patch weights, no layers: features = patch pixels + position.
    VisionConfig c = new VisionConfig(4, 6, 2, 4, 0, 1, 4, 1e-6);
    VisionEncoder enc = new VisionEncoder(c, D, new SplittableRandom(1));
    enc.patchEmbedding().weight().value().assign(Nd4j.eye(4));
    INDArray pixels = Nd4j.create(D, 2, 24);
    for (int i = 0; i < 48; i++) {
      pixels.putScalar(i, i); // image n, pixel (y, x) has value 24 n + 6 y + x
    }
    INDArray f = enc.forward(pixels);
    assertEquals(List.of(12L, 4L), List.of(f.shape()[0], f.shape()[1]));
    INDArray pos = enc.positionEmbedding().value();
    // Image 1, patch 4 = grid (row 1, col 1): pixels (2,2) (2,3) (3,2) (3,3).
    double[] expected = {24 + 14, 24 + 15, 24 + 20, 24 + 21};
    for (int j = 0; j < 4; j++) {
      assertEquals(expected[j] + pos.getDouble(4, j), f.getDouble(6 + 4, j), 1e-12);
    }
  }

  @Test
  void imagesAreEncodedIndependently() {
    VisionEncoder enc = new VisionEncoder(small(2), D, new SplittableRandom(2));
    INDArray pixels = normal(3, 2, 24);
    INDArray f = enc.forward(pixels).dup();
    INDArray alone = enc.forward(pixels.getRow(0, true).dup());
    assertTrue(maxAbsDiff(f.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 6),
        org.nd4j.linalg.indexing.NDArrayIndex.all()), alone) < 1e-12);
    INDArray changed = pixels.dup();
    changed.getRow(0).putScalar(23, 5.0); // last patch of image 0
    INDArray f2 = enc.forward(changed);
    assertTrue(maxAbsDiff(f.getRow(0), f2.getRow(0)) > 1e-6, "attention is bidirectional");
    assertEquals(0.0, maxAbsDiff(f.getRow(7), f2.getRow(7)), "image 1 must not change");
  }

  @Test
  void gradientCheckWithTwoEncoderLayers() {
    VisionEncoder enc = new VisionEncoder(small(2), D, new SplittableRandom(4));
    enc.positionEmbedding().value().muli(20);
    INDArray pixels = normal(5, 2, 24);
    INDArray r = normal(6, 12, 8);
    enc.zeroGrad();
    enc.forward(pixels);
    INDArray dPixels = enc.backward(r);
    Grad.assertAllParametersReached(enc);
    Grad.check(() -> GradientCheck.dot(enc.forward(pixels), r),
        Grad.targets(enc, new Target("pixels", pixels, dPixels)), 12);
  }

  @Test
  void parameterNamesFollowTheClipLayout() {
    VisionEncoder enc = new VisionEncoder(small(1), D, new SplittableRandom(4));
    List<String> names = enc.parameters().stream().map(Parameter::name).toList();
    String p = "vision_tower.vision_model.";
    assertEquals(p + "embeddings.patch_embedding.weight", names.get(0));
    assertEquals(p + "embeddings.position_embedding.weight", names.get(1));
    assertTrue(names.contains(p + "encoder.layers.0.self_attn.out_proj.bias"));
    assertTrue(names.contains(p + "encoder.layers.0.layer_norm1.weight"));
    assertTrue(names.contains(p + "encoder.layers.0.mlp.fc2.weight"));
    assertEquals(List.of(6L, 8L), List.of(enc.positionEmbedding().value().shape()[0],
        enc.positionEmbedding().value().shape()[1]));
  }

  @Test
  void badConfigsAndInputsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new VisionConfig(5, 6, 2, 8, 1, 2, 12, 1e-6));
    assertThrows(IllegalArgumentException.class, () -> new VisionConfig(4, 6, 2, 8, 1, 3, 12, 1e-6));
    assertThrows(IllegalArgumentException.class, () -> new VisionConfig(4, 6, 2, 8, -1, 2, 12, 1e-6));
    assertThrows(IllegalArgumentException.class, () -> new VisionConfig(4, 6, 0, 8, 1, 2, 12, 1e-6));
    VisionEncoder enc = new VisionEncoder(small(1), D, new SplittableRandom(4));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> enc.forward(normal(1, 2, 25)));
    assertTrue(e.getMessage().contains("[2, 25]"), e.getMessage());
  }
}
