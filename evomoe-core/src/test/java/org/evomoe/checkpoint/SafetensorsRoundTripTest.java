package org.evomoe.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SafetensorsRoundTripTest {
  @TempDir Path dir;

  private static float[] randomFloats(SplittableRandom random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (random.nextGaussian() * Math.exp(random.nextDouble(-20, 20)));
    }
    return v;
  }

  private static List<Tensor> sampleTensors(SplittableRandom random) {
    List<Tensor> tensors = new ArrayList<>();
    tensors.add(new Tensor("model.embed_tokens.weight", new long[] {7, 5},
        randomFloats(random, 35)));
    tensors.add(new Tensor("model.norm.weight", new long[] {5}, randomFloats(random, 5)));
    tensors.add(new Tensor("scalar", new long[] {}, new float[] {-0.0f}));
    tensors.add(new Tensor("empty", new long[] {0, 3}, new float[0]));
    tensors.add(new Tensor("edge", new long[] {6}, new float[] {Float.MIN_VALUE,
        -Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 0x1.fffffep-127f, 1e-40f}));
    return tensors;
  }

  @Test
  void f32RoundTripIsBitExact() throws Exception {
    List<Tensor> tensors = sampleTensors(new SplittableRandom(1));
    Path path = dir.resolve("f32.safetensors");
    Safetensors.write(path, tensors, Map.of("step", "12", "note", "ünï©ødé"), Dtype.F32);

    SafetensorsFile f = Safetensors.read(path);
    assertEquals(tensors.size(), f.tensors().size());
    for (Tensor t : tensors) {
      assertEquals(t, f.tensor(t.name())); // equality compares the bits of every element
      assertEquals(Dtype.F32, f.header().tensors().get(t.name()).dtype());
    }
    assertEquals(Map.of("format", "pt", "step", "12", "note", "ünï©ødé"), f.metadata());
    assertEquals(List.of(), f.nonFiniteTensors());
  }

  @Test
  void callerFormatMetadataIsKept() throws Exception {
    Path path = dir.resolve("fmt.safetensors");
    Safetensors.write(path, List.of(new Tensor("x", new long[] {1}, new float[] {1})),
        Map.of("format", "np"), Dtype.F32);
    assertEquals(Map.of("format", "np"), Safetensors.read(path).metadata());
  }

  @Test
  void bf16RoundTripIsWithinBfloat16Precision() throws Exception {
    SplittableRandom random = new SplittableRandom(2);
    List<Tensor> tensors = sampleTensors(random).subList(0, 2);
    Path path = dir.resolve("bf16.safetensors");
    Safetensors.write(path, tensors, Map.of(), Dtype.BF16);

    SafetensorsFile f = Safetensors.read(path);
    for (Tensor t : tensors) {
      Tensor back = f.tensor(t.name());
      assertArrayEquals(t.shape(), back.shape());
      assertEquals(Dtype.BF16, f.header().tensors().get(t.name()).dtype());
      for (int i = 0; i < t.data().length; i++) {
        float x = t.data()[i];
        float y = back.data()[i];
        // unit roundoff of round-to-nearest with an 8-bit significand: relative error <= 2^-8
        assertTrue(Math.abs(x - y) <= Math.abs(x) * 0x1p-8f, x + " -> " + y);
        // and exactly the value of the rounding function
        assertEquals(HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(x)), y);
      }
    }
    // the file holds 2 bytes per element
    long elements = tensors.stream().mapToLong(t -> t.data().length).sum();
    assertEquals(f.header().dataStart() + 2 * elements, Files.size(path));
  }

  @Test
  void largeTensorsCrossReadChunksIntact() throws Exception {
    SplittableRandom random = new SplittableRandom(3);
    int n = 700_001; // 2.8 MB as F32: spans several 1 MiB read chunks, odd length
    Tensor big = new Tensor("big", new long[] {n}, randomFloats(random, n));
    Tensor after = new Tensor("c_after", new long[] {3}, new float[] {1, 2, 3});
    Path path = dir.resolve("big.safetensors");
    Safetensors.write(path, List.of(big, after), Map.of(), Dtype.F32);
    SafetensorsFile f = Safetensors.read(path);
    assertEquals(big, f.tensor("big"));
    assertEquals(after, f.tensor("c_after"));

    Safetensors.write(path, List.of(big, after), Map.of(), Dtype.BF16);
    float[] back = Safetensors.read(path).tensor("big").data();
    for (int i = 0; i < n; i++) {
      assertEquals(HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(big.data()[i])), back[i]);
    }
  }

  @Test
  void outputIsIndependentOfInputOrderAndSortedByName() throws Exception {
    List<Tensor> tensors = sampleTensors(new SplittableRandom(4));
    Path first = dir.resolve("first.safetensors");
    Path second = dir.resolve("second.safetensors");
    Map<String, String> meta1 = new LinkedHashMap<>();
    meta1.put("b", "2");
    meta1.put("a", "1");
    Map<String, String> meta2 = new LinkedHashMap<>();
    meta2.put("a", "1");
    meta2.put("b", "2");
    Safetensors.write(first, tensors, meta1, Dtype.F32);
    List<Tensor> shuffled = new ArrayList<>(tensors);
    Collections.reverse(shuffled);
    Safetensors.write(second, shuffled, meta2, Dtype.F32);
    byte[] bytes = Files.readAllBytes(first);
    assertArrayEquals(bytes, Files.readAllBytes(second));

    // the header is padded with spaces to a multiple of 8, and the data is in name order
    long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLength % 8);
    String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
    assertTrue(header.stripTrailing().endsWith("}"));
    assertTrue(header.substring(header.stripTrailing().length()).chars().allMatch(c -> c == ' '));
    SafetensorsHeader h = Safetensors.readHeader(first, LoadOptions.defaults());
    List<String> names = List.copyOf(h.tensors().keySet());
    List<String> sorted = new ArrayList<>(names);
    Collections.sort(sorted);
    assertEquals(sorted, names);
    long expectedBegin = 0;
    for (String name : names) {
      assertEquals(expectedBegin, h.tensors().get(name).dataBegin(), name);
      expectedBegin = h.tensors().get(name).dataEnd();
    }
    assertTrue(header.indexOf("\"__metadata__\"") < header.indexOf("\"edge\""));
    assertTrue(header.indexOf("\"a\":\"1\"") < header.indexOf("\"b\":\"2\""));
  }

  @Test
  void namesSortByCodePointLikeTheirUtf8Bytes() throws Exception {
    // U+FF21 sorts before U+1F600 by code point and UTF-8 bytes, after it by UTF-16 units
    String fullwidth = "\uFF21";
    String emoji = "\uD83D\uDE00";
    Path path = dir.resolve("unicode.safetensors");
    Safetensors.write(path, List.of(new Tensor(emoji, new long[] {1}, new float[] {2}),
        new Tensor(fullwidth, new long[] {1}, new float[] {1})), Map.of(), Dtype.F32);
    SafetensorsHeader h = Safetensors.readHeader(path, LoadOptions.defaults());
    assertEquals(0, h.tensors().get(fullwidth).dataBegin());
    assertEquals(4, h.tensors().get(emoji).dataBegin());
    assertEquals(List.of(fullwidth, emoji), List.copyOf(h.tensors().keySet()));
    assertArrayEquals(new float[] {2}, Safetensors.read(path).tensor(emoji).data());
  }

  @Test
  void ndArraysRoundTripInCOrder() throws Exception {
    INDArray matrix = Nd4j.create(new float[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3}, 'c');
    INDArray transposed = matrix.transpose(); // a view in f order: [[1,4],[2,5],[3,6]]
    INDArray fOrder = Nd4j.create(new float[] {1, 2, 3, 4}, new long[] {2, 2}, 'f');
    INDArray doubles = Nd4j.create(new double[] {0.1, 1e300}, new long[] {2}, DataType.DOUBLE);
    INDArray row = matrix.getRow(1); // a view with an offset
    Map<String, INDArray> arrays = new LinkedHashMap<>();
    arrays.put("transposed", transposed);
    arrays.put("f_order", fOrder);
    arrays.put("doubles", doubles);
    arrays.put("row", row);
    arrays.put("empty", Nd4j.create(DataType.FLOAT, 0, 4));
    arrays.put("scalar", Nd4j.scalar(DataType.FLOAT, 2.5f));
    Path path = dir.resolve("nd4j.safetensors");
    Safetensors.writeArrays(path, arrays, Map.of(), Dtype.F32);

    SafetensorsFile f = Safetensors.read(path, LoadOptions.defaults().withAllowNonFinite(true));
    assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, f.tensor("transposed").data());
    assertArrayEquals(new long[] {3, 2}, f.tensor("transposed").shape());
    assertArrayEquals(new float[] {1, 3, 2, 4}, f.tensor("f_order").data());
    assertArrayEquals(new float[] {0.1f, Float.POSITIVE_INFINITY}, f.tensor("doubles").data());
    assertEquals(List.of("doubles"), f.nonFiniteTensors());
    assertArrayEquals(new float[] {4, 5, 6}, f.tensor("row").data());
    assertArrayEquals(new long[] {0, 4}, f.tensor("empty").shape());
    assertArrayEquals(new float[] {2.5f}, f.tensor("scalar").data());

    for (String name : List.of("transposed", "f_order", "row", "scalar", "empty")) {
      INDArray back = f.tensor(name).toINDArray();
      INDArray original = arrays.get(name);
      assertEquals(DataType.FLOAT, back.dataType());
      assertEquals('c', back.ordering());
      assertArrayEquals(original.shape(), back.shape(), name);
      assertEquals(original, back, name);
    }
  }

  @Test
  void writeRejectsBadInput() {
    Path path = dir.resolve("bad.safetensors");
    Tensor t = new Tensor("x", new long[] {1}, new float[] {1});
    assertThrows(IllegalArgumentException.class,
        () -> Safetensors.write(path, List.of(t), Map.of(), Dtype.F16));
    assertThrows(IllegalArgumentException.class,
        () -> Safetensors.write(path, List.of(t, t), Map.of(), Dtype.F32));
    assertThrows(IllegalArgumentException.class, () -> Safetensors.write(path,
        List.of(new Tensor("__metadata__", new long[] {1}, new float[] {1})), Map.of(),
        Dtype.F32));
    assertThrows(IllegalArgumentException.class, () -> Safetensors.write(path,
        List.of(new Tensor("bad\uD800", new long[] {1}, new float[] {1})), Map.of(), Dtype.F32));
    assertTrue(Files.notExists(path));
  }

  @Test
  void tensorValidatesShapeAgainstData() {
    assertThrows(IllegalArgumentException.class,
        () -> new Tensor("x", new long[] {2, 2}, new float[3]));
    assertThrows(IllegalArgumentException.class,
        () -> new Tensor("x", new long[] {-1}, new float[0]));
    assertThrows(IllegalArgumentException.class,
        () -> new Tensor("", new long[] {1}, new float[1]));
    assertThrows(IllegalArgumentException.class,
        () -> new Tensor("x", new long[] {1L << 40, 1L << 40}, new float[1]));
    Tensor empty = new Tensor("x", new long[] {1L << 40, 1L << 40, 0}, new float[0]);
    assertEquals(0, empty.data().length);
    long[] shape = {2};
    Tensor t = new Tensor("x", shape, new float[2]);
    shape[0] = 5;
    t.shape()[0] = 7;
    assertArrayEquals(new long[] {2}, t.shape());
  }
}
