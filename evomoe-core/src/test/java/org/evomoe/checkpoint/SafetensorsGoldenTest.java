package org.evomoe.checkpoint;

import static org.evomoe.checkpoint.RawSafetensors.concat;
import static org.evomoe.checkpoint.RawSafetensors.file;
import static org.evomoe.checkpoint.RawSafetensors.hex;
import static org.evomoe.checkpoint.RawSafetensors.u16;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The byte layout, checked against files built by hand rather than by the writer. */
class SafetensorsGoldenTest {
  @TempDir Path dir;

  @Test
  void f32FileIsByteIdenticalToTheHandBuiltOne() throws Exception {
    Path path = dir.resolve("tiny.safetensors");
    Safetensors.write(path,
        List.of(new Tensor("b", new long[] {2}, new float[] {1.0f, -2.0f}),
            new Tensor("a", new long[] {}, new float[] {0.5f})),
        Map.of("step", "7"), Dtype.F32);

    // 149 bytes of JSON + 3 spaces of padding = 152 = 0x98
    String json = "{\"__metadata__\":{\"format\":\"pt\",\"step\":\"7\"},"
        + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}   ";
    byte[] expected = concat(
        hex("98 00 00 00 00 00 00 00"),
        json.getBytes(StandardCharsets.US_ASCII),
        hex("00 00 00 3f"), // a = 0.5
        hex("00 00 80 3f  00 00 00 c0")); // b = 1.0, -2.0
    assertEquals(152, json.length());
    assertArrayEquals(expected, Files.readAllBytes(path));
  }

  @Test
  void bf16FileIsByteIdenticalToTheHandBuiltOne() throws Exception {
    Path path = dir.resolve("bf16.safetensors");
    float pi = (float) Math.PI; // bits 0x40490FDB -> rounds down to 0x4049
    float tie = 1.00390625f; // 1 + 2^-8, bits 0x3F808000: a tie, rounds to even 0x3F80
    Safetensors.write(path, List.of(new Tensor("w", new long[] {3}, new float[] {-2f, pi, tie})),
        Map.of(), Dtype.BF16);

    // 86 bytes of JSON + 2 spaces = 88 = 0x58
    String json = "{\"__metadata__\":{\"format\":\"pt\"},"
        + "\"w\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,6]}}  ";
    byte[] expected = concat(
        hex("58 00 00 00 00 00 00 00"),
        json.getBytes(StandardCharsets.US_ASCII),
        hex("00 c0  49 40  80 3f"));
    assertArrayEquals(expected, Files.readAllBytes(path));
  }

  @Test
  void readsAHandBuiltFileWithUnsortedEntriesAndFreeFormattedJson() throws Exception {
    // Entries in neither name nor offset order, whitespace in the JSON, no padding, no metadata.
    String json = "{ \"z\" : {\"shape\": [2, 1], \"dtype\": \"F32\", \"data_offsets\": [4, 12]},\n"
        + "  \"m\": {\"dtype\": \"F16\", \"data_offsets\": [12, 14], \"shape\": []},\n"
        + "  \"a\": {\"data_offsets\": [0, 4], \"dtype\": \"BF16\", \"shape\": [2]} }";
    byte[] data = concat(
        u16(0x3F80, 0xC040), // a: BF16 1.0, -3.0
        RawSafetensors.f32(0.25f, -8f), // z
        u16(0x3555)); // m: F16 0.333251953125
    Path path = dir.resolve("hand.safetensors");
    Files.write(path, file(json, data));

    SafetensorsFile f = Safetensors.read(path);
    assertEquals(List.of("a", "m", "z"), List.copyOf(f.tensors().keySet()));
    assertArrayEquals(new float[] {1.0f, -3.0f}, f.tensor("a").data());
    assertArrayEquals(new long[] {2}, f.tensor("a").shape());
    assertArrayEquals(new float[] {0.25f, -8f}, f.tensor("z").data());
    assertArrayEquals(new long[] {2, 1}, f.tensor("z").shape());
    assertArrayEquals(new float[] {0.333251953125f}, f.tensor("m").data());
    assertEquals(0, f.tensor("m").rank());
    assertEquals(Map.of(), f.metadata());
    assertEquals(Dtype.BF16, f.header().tensors().get("a").dtype());
    assertEquals(Dtype.F16, f.header().tensors().get("m").dtype());
    assertEquals(8 + json.getBytes(StandardCharsets.UTF_8).length, f.header().dataStart());
  }

  @Test
  void readsHandMadeF16BitPatterns() throws Exception {
    String json = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2,4],\"data_offsets\":[0,16]}}";
    byte[] data = u16(0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x0400, 0x03FF, 0x3555);
    Path path = dir.resolve("f16.safetensors");
    Files.write(path, file(json, data));

    Tensor h = Safetensors.read(path).tensor("h");
    assertArrayEquals(new long[] {2, 4}, h.shape());
    float[] want = {1.0f, -2.0f, 65504f, 0x1p-24f, -0.0f, 0x1p-14f, 1023 * 0x1p-24f,
        0.333251953125f};
    for (int i = 0; i < want.length; i++) {
      assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(h.data()[i]),
          "element " + i);
    }
  }

  @Test
  void readsF16InfinityAndNanOnlyWhenAllowed() throws Exception {
    String json = "{\"bad\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},"
        + "\"good\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[8,10]}}";
    byte[] data = u16(0x3C00, 0x7C00, 0xFC00, 0x7E00, 0x3C00);
    Path path = dir.resolve("nonfinite.safetensors");
    Files.write(path, file(json, data));
    long dataStart = 8 + json.length();

    CheckpointFormatException e =
        assertThrows(CheckpointFormatException.class, () -> Safetensors.read(path));
    assertEquals(CheckpointFormatException.Reason.NON_FINITE, e.reason());
    assertEquals("bad", e.tensor());
    assertEquals(dataStart + 2, e.byteOffset()); // element 1
    assertTrue(e.getMessage().contains(path.toString()), e.getMessage());

    SafetensorsFile f = Safetensors.read(path, LoadOptions.defaults().withAllowNonFinite(true));
    float[] got = f.tensor("bad").data();
    assertEquals(1.0f, got[0]);
    assertEquals(Float.POSITIVE_INFINITY, got[1]);
    assertEquals(Float.NEGATIVE_INFINITY, got[2]);
    assertTrue(Float.isNaN(got[3]));
    assertEquals(List.of("bad"), f.nonFiniteTensors());
  }
}
