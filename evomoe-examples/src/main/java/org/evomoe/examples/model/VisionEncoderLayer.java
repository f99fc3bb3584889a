package org.evomoe.examples.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.evomoe.nn.Layer;
import org.evomoe.nn.RmsNorm;
import org.evomoe.tensor.Parameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One pre-norm transformer encoder layer: {@code z' = z + Attn(Norm1(z))}, {@code out = z' +
 * Mlp(Norm2(z'))} with bidirectional attention (biases, no RoPE) and a GELU MLP, over rows {@code
 * [N*P, dVision]} (N images of P patches, image-major).
 *
 * <p>Names follow the CLIP layout under {@code vision_tower.vision_model.encoder.layers.i}: {@code
 * layer_norm1.weight}, {@code self_attn.{q,k,v,out}_proj.{weight,bias}}, {@code
 * layer_norm2.weight}, {@code mlp.fc1.{weight,bias}}, {@code mlp.fc2.{weight,bias}}. The norms are
 * RMSNorms (weight only), not CLIP's LayerNorms.
 */
public final class VisionEncoderLayer implements Layer {
  private final RmsNorm norm1;
  private final MultiHeadAttention attention;
  private final RmsNorm norm2;
  private final GeluMlp mlp;

  public VisionEncoderLayer(int index, VisionConfig c, DataType type, SplittableRandom rng) {
    String p = VisionEncoder.PREFIX + ".encoder.layers." + index;
    this.norm1 = new RmsNorm(p + ".layer_norm1", c.dVision(), c.normEps(), type);
    this.attention = new MultiHeadAttention(p + ".self_attn", "out_proj",
        AttentionConfig.encoder(c.dVision(), c.numHeads()), type, rng);
    this.norm2 = new RmsNorm(p + ".layer_norm2", c.dVision(), c.normEps(), type);
    this.mlp = new GeluMlp(p + ".mlp.fc1", p + ".mlp.fc2", c.dVision(), c.mlpHidden(), c.dVision(),
        type, rng);
  }

  public MultiHeadAttention attention() {
    return attention;
  }

  public GeluMlp mlp() {
    return mlp;
  }

  /** z [N*P, dVision] -> [N*P, dVision]; each image attends within its own P patches. */
  public INDArray forward(INDArray z, int images, int patches) {
    INDArray mid = attention.forward(norm1.forward(z), images, patches).addi(z);
    return mlp.forward(norm2.forward(mid)).addi(mid);
  }

  /** dOut [N*P, dVision] -> dz. */
  public INDArray backward(INDArray dOut) {
    INDArray dMid = norm2.backward(mlp.backward(dOut)).addi(dOut);
    return norm1.backward(attention.backward(dMid)).addi(dMid);
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>(norm1.parameters());
    ps.addAll(attention.parameters());
    ps.addAll(norm2.parameters());
    ps.addAll(mlp.parameters());
    return ps;
  }
}
