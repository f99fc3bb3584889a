package org.evomoe.checkpoint;

import static org.evomoe.checkpoint.RawSafetensors.concat;
import static org.evomoe.checkpoint.RawSafetensors.f32;
import static org.evomoe.checkpoint.RawSafetensors.file;
import static org.evomoe.checkpoint.RawSafetensors.u16;
import static org.evomoe.checkpoint.RawSafetensors.u64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.evomoe.checkpoint.CheckpointFormatException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of damaged or hostile file, with the reason, tensor and byte offset reported. */
class SafetensorsValidationTest {
  @TempDir Path dir;

  private static final String TWO =
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
  private static final byte[] TWO_DATA = f32(1, 2, 3);

  private CheckpointFormatException reject(byte[] bytes, Reason reason, String tensor,
      long offset) throws Exception {
    return reject(bytes, LoadOptions.defaults(), reason, tensor, offset);
  }

  private CheckpointFormatException reject(byte[] bytes, LoadOptions options, Reason reason,
      String tensor, long offset) throws Exception {
    Path path = dir.resolve("bad.safetensors");
    Files.write(path, bytes);
    CheckpointFormatException e =
        assertThrows(CheckpointFormatException.class, () -> Safetensors.read(path, options));
    assertEquals(reason, e.reason(), e.getMessage());
    assertEquals(tensor, e.tensor(), e.getMessage());
    if (offset >= 0) {
      assertEquals(offset, e.byteOffset(), e.getMessage());
    }
    assertEquals(path, e.file());
    assertTrue(e.getMessage().startsWith(path.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("byte " + e.byteOffset()), e.getMessage());
    if (tensor != null) {
      assertTrue(e.getMessage().contains("tensor '" + CheckpointFormatException.printable(tensor)),
          e.getMessage());
    }
    assertTrue(e.byteOffset() <= bytes.length, e.getMessage());
    return e;
  }

  /** File offset of the first occurrence of {@code token} in the header {@code json}. */
  private static long at(String json, String token) {
    int i = json.indexOf(token);
    assertTrue(i >= 0, token);
    return 8 + json.substring(0, i).getBytes(StandardCharsets.UTF_8).length;
  }

  @Test
  void theValidFileUsedBelowLoads() throws Exception {
    Path path = dir.resolve("ok.safetensors");
    Files.write(path, file(TWO, TWO_DATA));
    assertEquals(2, Safetensors.read(path).tensors().size());
  }

  // ------------------------------------------------------------ truncation and header length

  @Test
  void filesShorterThanTheLengthPrefix() throws Exception {
    reject(new byte[0], Reason.TRUNCATED, null, 0);
    reject(new byte[] {8, 0, 0, 0, 0}, Reason.TRUNCATED, null, 5);
  }

  @Test
  void headerLengthBeyondTheFile() throws Exception {
    reject(concat(u64(1000), "{}".getBytes(StandardCharsets.US_ASCII)), Reason.HEADER_LENGTH,
        null, 0);
    // a header cut short
    byte[] whole = file(TWO, TWO_DATA);
    reject(Arrays.copyOf(whole, 8 + TWO.length() - 3), Reason.HEADER_LENGTH, null, 0);
  }

  @Test
  void absurdHeaderLengthsAreRejectedWithoutAllocating() throws Exception {
    // none of these may be allocated: 2^63 - 1, 2^64 - 1 (negative as a Java long), 2^40
    for (long length : new long[] {Long.MAX_VALUE, -1L, 1L << 40, 100_000_001L}) {
      CheckpointFormatException e = reject(concat(u64(length), new byte[64]),
          Reason.HEADER_LENGTH, null, 0);
      assertTrue(e.getMessage().contains(Long.toUnsignedString(length)), e.getMessage());
    }
    // a custom limit below the real header length
    reject(file(TWO, TWO_DATA), new LoadOptions(false, 16), Reason.HEADER_LENGTH, null, 0);
  }

  @Test
  void dataCutShort() throws Exception {
    byte[] whole = file(TWO, TWO_DATA);
    // cut inside b: b is the tensor that runs past the end
    reject(Arrays.copyOf(whole, whole.length - 2), Reason.TRUNCATED, "b", whole.length - 2);
    // cut inside a: a is cut, b starts beyond the end
    reject(Arrays.copyOf(whole, whole.length - 10), Reason.TRUNCATED, "a", whole.length - 10);
    // cut exactly at the end of the header
    reject(Arrays.copyOf(whole, whole.length - 12), Reason.TRUNCATED, "a", whole.length - 12);
  }

  // ------------------------------------------------------------ JSON

  @Test
  void malformedJson() throws Exception {
    String cut = "{\"a\":{\"dtype\":\"F32\",";
    reject(file(cut, new byte[0]), Reason.MALFORMED_HEADER, null, -1);
    reject(file("{\"a\" 1}", new byte[0]), Reason.MALFORMED_HEADER, null, at("{\"a\" 1}", "1"));
    reject(file("", new byte[0]), Reason.MALFORMED_HEADER, null, 8);
    reject(file("{} x", new byte[0]), Reason.MALFORMED_HEADER, null, -1);
    reject(file("{}{}", new byte[0]), Reason.MALFORMED_HEADER, null, 10);
    reject(file("{}\0\0", new byte[0]), Reason.MALFORMED_HEADER, null, -1);
    // only spaces may pad the header
    Path ok = dir.resolve("padded.safetensors");
    Files.write(ok, file("{}      ", new byte[0]));
    assertEquals(0, Safetensors.read(ok).tensors().size());
  }

  @Test
  void headerThatIsNotAnObject() throws Exception {
    for (String json : new String[] {"[1,2]", "\"text\"", "42", "null", " {}"}) {
      reject(file(json, new byte[0]), Reason.MALFORMED_HEADER, null, 8);
    }
  }

  @Test
  void invalidUtf8InTheHeader() throws Exception {
    byte[] json = "{\"ab\":{}}".getBytes(StandardCharsets.US_ASCII);
    json[3] = (byte) 0xC3; // start of a 2-byte sequence followed by 'b'
    reject(file(json, new byte[0]), Reason.MALFORMED_HEADER, null, 8 + 3);
  }

  @Test
  void wrongJsonTypes() throws Exception {
    String[][] cases = {
        {"{\"a\":[1]}", "[1]"},
        {"{\"a\":{\"dtype\":32,\"shape\":[],\"data_offsets\":[0,4]}}", "32"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,4]}}", "\"2\""},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,4]}}", "\"2\""},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":{}}}", "{}"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"x\":1}}", "\"x\""},
        {"{\"a\":{\"shape\":[],\"data_offsets\":[0,4]}}", "\"a\""},
        {"{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", "\"a\""},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[]}}", "\"a\""},
    };
    for (String[] c : cases) {
      reject(file(c[0], new byte[4]), Reason.MALFORMED_HEADER, "a", at(c[0], c[1]));
    }
    String json = "{\"__metadata__\":{\"k\":1}}";
    reject(file(json, new byte[0]), Reason.MALFORMED_HEADER, null, at(json, "1"));
    json = "{\"__metadata__\":[\"k\"]}";
    reject(file(json, new byte[0]), Reason.MALFORMED_HEADER, null, at(json, "["));
    json = "{\"\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}";
    reject(file(json, new byte[4]), Reason.MALFORMED_HEADER, null, 9);
  }

  @Test
  void nullMetadataIsEmpty() throws Exception {
    Path path = dir.resolve("nullmeta.safetensors");
    Files.write(path, file("{\"__metadata__\":null}", new byte[0]));
    assertEquals(Map.of(), Safetensors.read(path).metadata());
  }

  @Test
  void duplicateKeys() throws Exception {
    String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
        + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[4,8]}}";
    reject(file(json, new byte[8]), Reason.DUPLICATE_KEY, null, -1);
    json = "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[0,4]}}";
    reject(file(json, new byte[4]), Reason.DUPLICATE_KEY, null, -1);
    json = "{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}";
    reject(file(json, new byte[0]), Reason.DUPLICATE_KEY, null, -1);
    json = "{\"__metadata__\":{},\"__metadata__\":{}}";
    reject(file(json, new byte[0]), Reason.DUPLICATE_KEY, null, -1);
  }

  // ------------------------------------------------------------ dtype, shape, offsets

  @Test
  void unknownAndUnsupportedDtypes() throws Exception {
    for (String dtype : new String[] {"F33", "f32", "", "I64", "F64", "U8"}) {
      String json = "{\"a\":{\"dtype\":\"" + dtype + "\",\"shape\":[],\"data_offsets\":[0,4]}}";
      CheckpointFormatException e = reject(file(json, new byte[4]), Reason.UNSUPPORTED_DTYPE,
          "a", at(json, "\"" + dtype + "\","));
      assertTrue(e.getMessage().contains(dtype), e.getMessage());
    }
  }

  @Test
  void badShapes() throws Exception {
    String[][] cases = {
        {"[-1,2]", "-1"},
        {"[2.0]", "2.0"},
        {"[99999999999999999999999]", "9"},
        {"[4294967296,4294967296,4294967296]", "[4294967296"}, // 2^96 elements
        {"[4611686018427387904]", "["}, // 2^62 elements x 4 bytes overflows a long
    };
    for (String[] c : cases) {
      String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":" + c[0] + ",\"data_offsets\":[0,4]}}";
      reject(file(json, new byte[4]), Reason.BAD_SHAPE, "a", at(json, c[1]));
    }
    long[] ones = new long[65];
    Arrays.fill(ones, 1);
    String shape = Arrays.toString(ones).replace(" ", "");
    String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,4]}}";
    reject(file(json, new byte[4]), Reason.BAD_SHAPE, "a", -1);
  }

  @Test
  void tensorsTooLargeForAJavaArrayAreRejectedBeforeAllocation() throws Exception {
    // 2^31 elements, offsets consistent with the shape: the data would be 8 GiB
    String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483648],"
        + "\"data_offsets\":[0,8589934592]}}";
    reject(file(json, new byte[4]), Reason.TENSOR_TOO_LARGE, "a", at(json, "[2147483648]"));
    // within a Java array but far beyond the file: truncated, nothing allocated
    json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1000000000],\"data_offsets\":[0,4000000000]}}";
    reject(file(json, new byte[4]), Reason.TRUNCATED, "a", 8 + json.length() + 4);
  }

  @Test
  void badOffsets() throws Exception {
    String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}";
    reject(file(json, new byte[8]), Reason.BAD_OFFSETS, "a", at(json, "[8,0]"));
    json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}";
    reject(file(json, new byte[8]), Reason.BAD_OFFSETS, "a", at(json, "[0]"));
    json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,16]}}";
    reject(file(json, new byte[8]), Reason.BAD_OFFSETS, "a", at(json, "16"));
    json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}";
    reject(file(json, new byte[8]), Reason.BAD_OFFSETS, "a", at(json, "-8"));
    // out of range: the only tensor lies past the data, leaving a hole
    json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[100,108]}}";
    reject(file(json, new byte[8]), Reason.BAD_OFFSETS, "a", at(json, "[100,108]"));
  }

  @Test
  void overlappingRanges() throws Exception {
    String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
    long dataStart = 8 + json.length();
    CheckpointFormatException e =
        reject(file(json, new byte[12]), Reason.OVERLAP, "b", dataStart + 4);
    assertTrue(e.getMessage().contains("'a'"), e.getMessage());
    // the same range twice
    json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    reject(file(json, new byte[8]), Reason.OVERLAP, "b", 8 + json.length());
  }

  @Test
  void gapsAndTrailingBytes() throws Exception {
    String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}";
    long dataStart = 8 + json.length();
    reject(file(json, new byte[20]), Reason.GAP, "b", dataStart + 8);
    json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
    reject(file(json, new byte[12]), Reason.GAP, "a", 8 + json.length());
    // bytes after the last tensor
    reject(file(TWO, concat(TWO_DATA, new byte[] {0})), Reason.GAP, null,
        8 + TWO.length() + 12);
    // data but no tensors
    reject(file("{}", new byte[3]), Reason.GAP, null, 10);
  }

  @Test
  void byteCountNotMatchingShapeAndDtype() throws Exception {
    String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
    reject(file(json, new byte[8]), Reason.BYTE_COUNT_MISMATCH, "a", at(json, "[0,8]"));
    json = "{\"a\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
    reject(file(json, new byte[16]), Reason.BYTE_COUNT_MISMATCH, "a", at(json, "[0,16]"));
  }

  @Test
  void zeroSizedTensorsMayShareAnOffset() throws Exception {
    String json = "{\"e1\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
        + "\"e2\":{\"dtype\":\"BF16\",\"shape\":[3,0],\"data_offsets\":[4,4]},"
        + "\"x\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}";
    Path path = dir.resolve("zero.safetensors");
    Files.write(path, file(json, f32(5)));
    SafetensorsFile f = Safetensors.read(path);
    assertEquals(0, f.tensor("e2").data().length);
    assertEquals(5f, f.tensor("x").data()[0]);
  }

  // ------------------------------------------------------------ values

  @Test
  void nonFiniteValuesAreAnErrorByDefault() throws Exception {
    String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]},"
        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[12,16]}}";
    long dataStart = 8 + json.length();
    byte[] nanInA = file(json, concat(f32(1, 2, Float.NaN), u16(0x3F80, 0x3F80)));
    reject(nanInA, Reason.NON_FINITE, "a", dataStart + 8);
    byte[] infInB = file(json, concat(f32(1, 2, 3), u16(0x3F80, 0xFF80)));
    reject(infInB, Reason.NON_FINITE, "b", dataStart + 14);

    Path path = dir.resolve("inf.safetensors");
    Files.write(path, infInB);
    SafetensorsFile f = Safetensors.read(path, LoadOptions.defaults().withAllowNonFinite(true));
    assertEquals(Float.NEGATIVE_INFINITY, f.tensor("b").data()[1]);
    assertEquals(List.of("b"), f.nonFiniteTensors());
    // the header alone does not look at values
    assertEquals(2, Safetensors.readHeader(path, LoadOptions.defaults()).tensors().size());
  }

  // ------------------------------------------------------------ expected tensors

  @Test
  void expectedTensorsCheckReportsMissingExtraAndMismatchedShapes() throws Exception {
    Path path = dir.resolve("set.safetensors");
    Files.write(path, file(TWO, TWO_DATA));
    SafetensorsFile f = Safetensors.read(path);

    f.checkTensors(Map.of("a", new long[] {2}, "b", new long[] {1})); // exact: passes

    TensorSetMismatchException e = assertThrows(TensorSetMismatchException.class,
        () -> f.checkTensors(Map.of("a", new long[] {1, 2}, "c", new long[] {3},
            "d", new long[] {})));
    assertEquals(Reason.TENSOR_SET_MISMATCH, e.reason());
    assertEquals(List.of("c", "d"), e.missing());
    assertEquals(List.of("b"), e.unexpected());
    assertEquals(List.of("a: expected [1, 2], file has [2]"), e.shapeMismatches());
    assertEquals("a", e.tensor());
    assertEquals(8 + TWO.length(), e.byteOffset()); // a's data
    assertInstanceOf(CheckpointFormatException.class, e);
    for (String s : List.of(path.toString(), "missing [c, d]", "unexpected [b]",
        "a: expected [1, 2], file has [2]")) {
      assertTrue(e.getMessage().contains(s), e.getMessage());
    }

    TensorSetMismatchException onlyMissing = assertThrows(TensorSetMismatchException.class,
        () -> Safetensors.readHeader(path, LoadOptions.defaults()).checkTensors(
            Map.of("a", new long[] {2}, "b", new long[] {1}, "c", new long[] {1})));
    assertEquals(List.of("c"), onlyMissing.missing());
    assertEquals(List.of(), onlyMissing.unexpected());
    assertEquals(List.of(), onlyMissing.shapeMismatches());
    assertEquals("c", onlyMissing.tensor());
  }

  @Test
  void hostileNamesAreEscapedAndShortenedInMessages() throws Exception {
    String name = "evil\\n" + "x".repeat(5000);
    String json = "{\"" + name + "\":{\"dtype\":\"Q\",\"shape\":[],\"data_offsets\":[0,4]}}";
    CheckpointFormatException e =
        reject(file(json, new byte[4]), Reason.UNSUPPORTED_DTYPE, "evil\n" + "x".repeat(5000),
            at(json, "\"Q\""));
    assertTrue(e.getMessage().contains("evil\\u000a"), e.getMessage());
    assertTrue(e.getMessage().length() < 600, e.getMessage());
  }
}
