package org.evomoe.checkpoint;

import static org.evomoe.checkpoint.RawSafetensors.concat;
import static org.evomoe.checkpoint.RawSafetensors.f32;
import static org.evomoe.checkpoint.RawSafetensors.u16;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.evomoe.checkpoint.CheckpointFormatException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of corrupted variants of a valid file: every load must either succeed with a
 * self-consistent result or throw a {@link CheckpointFormatException}; any other outcome (a
 * runtime exception, an out-of-memory error) fails.
 */
class SafetensorsMutationTest {
  private static final long SEED = 0x5AFE_7E45L;
  private static final int VARIANTS = 4000;
  private static final int REWRITE_CHECKS = 100;

  private static final String HEADER = "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"base\"},"
      + "\"alpha\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
      + "\"zeta\":{\"dtype\":\"BF16\",\"shape\":[5],\"data_offsets\":[24,34]},"
      + "\"beta\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[34,42]},"
      + "\"eps\":{\"dtype\":\"F16\",\"shape\":[0,2],\"data_offsets\":[42,42]},"
      + "\"gamma\":{\"dtype\":\"BF16\",\"shape\":[3,1],\"data_offsets\":[42,48]},"
      + "\"delta\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[48,52]}}";
  private static final byte[] DATA = concat(
      f32(1.5f, -2f, 0.25f, 1e-3f, -7f, 1e30f), // alpha
      u16(0x3F80, 0xBF80, 0x4049, 0x0001, 0x7F7F), // zeta
      u16(0x3C00, 0xC000, 0x7BFF, 0x0001), // beta
      u16(0x4000, 0x0000, 0x8000), // gamma
      f32(42f)); // delta

  private static final Pattern TOKEN =
      Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?");
  private static final Pattern OFFSETS =
      Pattern.compile("\"data_offsets\":\\[(\\d+),(\\d+)\\]");
  private static final String[] NUMBER_REPLACEMENTS = {"0", "1", "-1", "2", "3", "4", "8", "24",
      "42", "52", "4294967296", "2147483648", "9223372036854775807", "9223372036854775808",
      "18446744073709551615", "-9223372036854775808", "1e3", "2.0", "1.5", "\"4\"", "null", "[]",
      "{}", "true", "999999999999999999999999999999"};
  private static final String[] STRING_REPLACEMENTS = {"\"F32\"", "\"F16\"", "\"BF16\"",
      "\"F64\"", "\"I64\"", "\"U8\"", "\"BOOL\"", "\"bf16\"", "\"\"", "\"F8_E4M3\"", "\"\\u0000\"",
      "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "\"alpha\"", "\"beta\"",
      "\"gamma\"", "\"x\"", "1", "null", "[]", "{}", "\"\\ud800\""};
  private static final String[] SNIPPETS = {",", "{", "}", "[", "]", ":", "\"x\"", "null", "1",
      "1e999", "-0", " ", "\n", "\"__metadata__\":{},", "\"k\":{\"dtype\":\"F32\",\"shape\":[1],"
      + "\"data_offsets\":[52,56]},", "\"alpha\":{},", "\"extra\":1,", "\u00e9", "\\", "\""};

  @TempDir Path dir;

  private final Map<Reason, Integer> reasons = new EnumMap<>(Reason.class);
  private int successes;

  static byte[] baseFile() {
    byte[] json = HEADER.getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    byte[] header = Arrays.copyOf(json, padded);
    Arrays.fill(header, json.length, padded, (byte) ' ');
    return RawSafetensors.file(header, DATA);
  }

  @Test
  void theBaseFileLoads() throws Exception {
    Path path = dir.resolve("base.safetensors");
    Files.write(path, baseFile());
    SafetensorsFile f = Safetensors.read(path);
    assertEquals(6, f.tensors().size());
    assertArrayEquals(new float[] {1, -2, 65504, 0x1p-24f}, f.tensor("beta").data());
    assertArrayEquals(new float[] {2, 0, -0.0f}, f.tensor("gamma").data());
    assertEquals(42f, f.tensor("delta").data()[0]);
    checkConsistent(f, baseFile(), false);
  }

  @Test
  void everyCorruptedVariantLoadsConsistentlyOrFailsWithTheCheckedException() throws Exception {
    byte[] base = baseFile();
    SplittableRandom random = new SplittableRandom(SEED);
    Path path = dir.resolve("variant.safetensors");
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < VARIANTS; i++) {
      StringBuilder what = new StringBuilder();
      byte[] variant = mutate(base, random, what);
      if (random.nextInt(4) == 0) {
        variant = mutate(variant, random, what.append(" then "));
      }
      try {
        // most variants are read from memory; every tenth goes through a real file
        boolean onDisk = i % 10 == 0;
        if (onDisk) {
          Files.write(path, variant);
        }
        load(path, variant, onDisk);
      } catch (Throwable t) {
        failures.add("variant " + i + " (" + what + "): " + t);
        if (failures.size() == 1) {
          t.printStackTrace();
        }
      }
    }
    if (!failures.isEmpty()) {
      fail(failures.size() + " variants misbehaved, first ones:\n"
          + String.join("\n", failures.subList(0, Math.min(10, failures.size()))));
    }
    // the mutations must actually reach the different checks, and some must stay loadable
    assertTrue(successes > 20, "successes " + successes);
    assertTrue(reasons.keySet().containsAll(Set.of(Reason.TRUNCATED, Reason.HEADER_LENGTH,
        Reason.MALFORMED_HEADER, Reason.DUPLICATE_KEY, Reason.UNSUPPORTED_DTYPE, Reason.BAD_SHAPE,
        Reason.BAD_OFFSETS, Reason.OVERLAP, Reason.GAP, Reason.BYTE_COUNT_MISMATCH,
        Reason.NON_FINITE)), reasons.toString());
    System.out.println("mutation outcomes: " + successes + " loaded, rejected " + reasons);
  }

  /** Loads one variant; throws AssertionError or anything unexpected. */
  private void load(Path path, byte[] bytes, boolean onDisk) throws Exception {
    boolean allow = false;
    while (true) {
      try {
        LoadOptions options = LoadOptions.defaults().withAllowNonFinite(allow);
        SafetensorsFile f = onDisk
            ? Safetensors.read(path, options)
            : SafetensorsReader.read(new ByteArrayChannel(bytes), path, options);
        checkConsistent(f, bytes, allow);
        successes++;
        return;
      } catch (CheckpointFormatException e) {
        reasons.merge(e.reason(), 1, Integer::sum);
        assertEquals(path, e.file());
        assertTrue(e.getMessage().startsWith(path.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("byte " + e.byteOffset()), e.getMessage());
        assertTrue(e.byteOffset() >= 0 && e.byteOffset() <= bytes.length, e.getMessage());
        if (e.tensor() != null) {
          assertTrue(e.getMessage().contains("tensor '"), e.getMessage());
        }
        if (e.reason() != Reason.NON_FINITE || allow) {
          return;
        }
        allow = true; // the same file must load when non-finite values are allowed
      }
    }
  }

  /** The result agrees with the header, the header tiles the data, values decode independently. */
  private void checkConsistent(SafetensorsFile f, byte[] bytes, boolean allowNonFinite)
      throws Exception {
    SafetensorsHeader h = f.header();
    assertEquals(h.tensors().keySet(), f.tensors().keySet());
    List<TensorEntry> entries = new ArrayList<>(h.tensors().values());
    entries.sort(Comparator.comparingLong(TensorEntry::dataBegin)
        .thenComparingLong(TensorEntry::dataEnd));
    long covered = 0;
    Set<String> nonFinite = new HashSet<>();
    for (TensorEntry e : entries) {
      Tensor t = f.tensor(e.name());
      assertArrayEquals(e.shape(), t.shape());
      assertEquals(e.elementCount(), t.data().length);
      assertEquals(e.elementCount() * e.dtype().byteSize(), e.byteLength());
      assertEquals(covered, e.dataBegin());
      covered = e.dataEnd();
      ByteBuffer raw = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      int base = (int) (h.dataStart() + e.dataBegin());
      for (int i = 0; i < t.data().length; i++) {
        float want = switch (e.dtype()) {
          case F32 -> raw.getFloat(base + 4 * i);
          case F16 -> HalfFloats.halfToFloat(raw.getShort(base + 2 * i));
          case BF16 -> HalfFloats.bfloat16ToFloat(raw.getShort(base + 2 * i));
        };
        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(t.data()[i]));
        if (!Float.isFinite(want)) {
          nonFinite.add(e.name());
        }
      }
    }
    assertEquals(bytes.length - h.dataStart(), covered);
    assertEquals(nonFinite, new HashSet<>(f.nonFiniteTensors()));
    if (!allowNonFinite) {
      assertTrue(nonFinite.isEmpty());
    }
    if (successes >= REWRITE_CHECKS) {
      return; // each rewrite forces a file to disk: a few hundred suffice
    }
    // what loaded can be written again and reads back identically
    Path copy = dir.resolve("rewritten.safetensors");
    Safetensors.write(copy, f.tensors().values(), f.metadata(), Dtype.F32);
    SafetensorsFile again = Safetensors.read(copy, LoadOptions.defaults().withAllowNonFinite(true));
    assertEquals(f.tensors(), again.tensors());
  }

  // ---------------------------------------------------------------- mutations

  private static byte[] mutate(byte[] in, SplittableRandom r, StringBuilder what) {
    int kind = r.nextInt(11);
    byte[] out = in.clone();
    int headerEnd = (int) Math.min(in.length, 8 + Math.max(0, headerLength(in)));
    switch (kind) {
      case 0 -> {
        int flips = 1 + r.nextInt(4);
        what.append("flip ").append(flips).append(" bits");
        for (int k = 0; k < flips && out.length > 0; k++) {
          int at = r.nextInt(out.length);
          out[at] ^= (byte) (1 << r.nextInt(8));
        }
      }
      case 1 -> {
        what.append("random header bytes");
        for (int k = 0; k < 1 + r.nextInt(3) && headerEnd > 8; k++) {
          out[8 + r.nextInt(headerEnd - 8)] = (byte) r.nextInt(256);
        }
      }
      case 2 -> {
        int length = r.nextInt(Math.max(1, in.length));
        what.append("truncate to ").append(length);
        out = Arrays.copyOf(in, length);
      }
      case 3 -> {
        long[] lengths = {0, 1, 2, 7, 8, headerLength(in) - 8, headerLength(in) - 1,
            headerLength(in) + 1, headerLength(in) + 8, in.length - 8L, in.length, 1L << 31,
            1L << 32, 100_000_001L, Long.MAX_VALUE, -1L, Long.MIN_VALUE, r.nextLong(),
            r.nextInt(in.length + 16)};
        long length = lengths[r.nextInt(lengths.length)];
        what.append("header length ").append(Long.toUnsignedString(length));
        if (out.length >= 8) {
          System.arraycopy(RawSafetensors.u64(length), 0, out, 0, 8);
        }
      }
      case 4 -> out = editToken(in, r, what);
      case 10 -> out = moveOffsets(in, r, what);
      case 5 -> out = insertSnippet(in, r, what);
      case 6 -> {
        int at = r.nextInt(in.length + 1);
        byte[] extra = new byte[1 + r.nextInt(16)];
        r.nextBytes(extra);
        what.append("insert ").append(extra.length).append(" bytes at ").append(at);
        out = concat(Arrays.copyOf(in, at), extra, Arrays.copyOfRange(in, at, in.length));
      }
      case 7 -> {
        int at = r.nextInt(Math.max(1, in.length));
        int len = Math.min(in.length - at, 1 + r.nextInt(16));
        what.append("delete ").append(len).append(" bytes at ").append(at);
        out = concat(Arrays.copyOf(in, at), Arrays.copyOfRange(in, at + len, in.length));
      }
      case 8 -> {
        byte[] extra = new byte[1 + r.nextInt(8)];
        r.nextBytes(extra);
        what.append("append ").append(extra.length).append(" bytes");
        out = concat(in, extra);
      }
      default -> {
        int dataLength = in.length - headerEnd;
        what.append("non-finite or random data bytes");
        if (dataLength >= 2) {
          int at = headerEnd + 2 * r.nextInt(dataLength / 2);
          int[] patterns = {0x7FC0, 0x7F80, 0xFF80, 0x7C00, 0xFC00, 0x7E00, r.nextInt(0x10000)};
          int bits = patterns[r.nextInt(patterns.length)];
          out[at] = (byte) bits;
          out[at + 1] = (byte) (bits >>> 8);
        }
      }
    }
    return out;
  }

  private static long headerLength(byte[] file) {
    if (file.length < 8) {
      return 0;
    }
    return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
  }

  /** Header text, data and a flag: rebuild with a correct length prefix most of the time. */
  private static byte[] rebuild(byte[] in, String header, SplittableRandom r, StringBuilder what) {
    long oldLength = headerLength(in);
    int headerEnd = (int) Math.min(in.length, 8 + Math.max(0, Math.min(oldLength, in.length)));
    byte[] data = Arrays.copyOfRange(in, Math.max(8, headerEnd), in.length);
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    if (r.nextInt(8) == 0) {
      what.append(" (stale length)");
      return concat(RawSafetensors.u64(oldLength), json, data);
    }
    return RawSafetensors.file(json, data);
  }

  private static String headerText(byte[] in) {
    long length = headerLength(in);
    if (in.length < 8 || length < 0 || length > in.length - 8) {
      return new String(Arrays.copyOfRange(in, Math.min(8, in.length), in.length),
          StandardCharsets.ISO_8859_1);
    }
    return new String(in, 8, (int) length, StandardCharsets.UTF_8);
  }

  private static byte[] editToken(byte[] in, SplittableRandom r, StringBuilder what) {
    String header = headerText(in);
    List<int[]> tokens = new ArrayList<>();
    Matcher m = TOKEN.matcher(header);
    while (m.find()) {
      tokens.add(new int[] {m.start(), m.end()});
    }
    if (tokens.isEmpty()) {
      what.append("no token to edit");
      return in;
    }
    int[] token = tokens.get(r.nextInt(tokens.size()));
    String old = header.substring(token[0], token[1]);
    String replacement;
    if (old.startsWith("\"")) {
      replacement = STRING_REPLACEMENTS[r.nextInt(STRING_REPLACEMENTS.length)];
    } else if (r.nextBoolean()) {
      replacement = NUMBER_REPLACEMENTS[r.nextInt(NUMBER_REPLACEMENTS.length)];
    } else {
      long value = old.contains(".") || old.length() > 18 ? 0 : Long.parseLong(old);
      replacement = Long.toString(value + r.nextInt(-16, 17));
    }
    what.append("replace ").append(old).append(" by ").append(replacement);
    String edited = header.substring(0, token[0]) + replacement + header.substring(token[1]);
    return rebuild(in, edited, r, what);
  }

  /** Moves one tensor's byte range (both offsets by one amount) or swaps two tensors' ranges. */
  private static byte[] moveOffsets(byte[] in, SplittableRandom r, StringBuilder what) {
    String header = headerText(in);
    List<MatchResult> pairs = OFFSETS.matcher(header).results().toList();
    if (pairs.size() < 2) {
      what.append("no offsets to move");
      return in;
    }
    MatchResult a = pairs.get(r.nextInt(pairs.size()));
    String edited;
    if (r.nextBoolean()) {
      long delta = r.nextInt(-12, 13);
      long begin = Long.parseLong(a.group(1)) + delta;
      long end = Long.parseLong(a.group(2)) + delta;
      what.append("move ").append(a.group()).append(" by ").append(delta);
      edited = header.substring(0, a.start()) + "\"data_offsets\":[" + begin + "," + end + "]"
          + header.substring(a.end());
    } else {
      MatchResult b = pairs.get(r.nextInt(pairs.size()));
      MatchResult first = a.start() <= b.start() ? a : b;
      MatchResult second = first == a ? b : a;
      if (first.start() == second.start()) {
        what.append("swap offsets with itself");
        return in;
      }
      what.append("swap ").append(first.group()).append(" and ").append(second.group());
      edited = header.substring(0, first.start()) + second.group()
          + header.substring(first.end(), second.start()) + first.group()
          + header.substring(second.end());
    }
    return rebuild(in, edited, r, what);
  }

  private static byte[] insertSnippet(byte[] in, SplittableRandom r, StringBuilder what) {
    String header = headerText(in);
    int at = r.nextInt(header.length() + 1);
    String edited;
    if (r.nextInt(3) == 0 && header.length() > 0) {
      int end = Math.min(header.length(), at + 1 + r.nextInt(12));
      what.append("delete header chars ").append(at).append("..").append(end);
      edited = header.substring(0, at) + header.substring(end);
    } else {
      String snippet = SNIPPETS[r.nextInt(SNIPPETS.length)];
      what.append("insert ").append(snippet).append(" at ").append(at);
      edited = header.substring(0, at) + snippet + header.substring(at);
    }
    return rebuild(in, edited, r, what);
  }
}
