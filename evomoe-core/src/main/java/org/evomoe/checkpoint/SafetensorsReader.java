package org.evomoe.checkpoint;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.evomoe.checkpoint.CheckpointFormatException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and validates safetensors files (see docs/checkpoint-format.md). Nothing is allocated from
 * a size in the file before that size has been checked against the file's real length, and every
 * problem is a {@link CheckpointFormatException}.
 */
final class SafetensorsReader {
  private static final Logger LOG = LoggerFactory.getLogger(SafetensorsReader.class);

  static final String METADATA_KEY = "__metadata__";
  /** More dimensions than any real tensor has; bounds the work spent on a hostile shape. */
  static final int MAX_RANK = 64;
  /** The largest Java array the JVM reliably allocates. */
  static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  private static final int CHUNK_BYTES = 1 << 20; // a multiple of every dtype size
  private static final Set<String> OTHER_SAFETENSORS_DTYPES =
      Set.of("BOOL", "U8", "I8", "U16", "I16", "U32", "I32", "U64", "I64", "F64", "C64",
          "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4");

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8).build())
          .build();

  private final Path file;
  private final SeekableByteChannel channel;
  private final long fileSize;

  private SafetensorsReader(Path file, SeekableByteChannel channel) throws IOException {
    this.file = file;
    this.channel = channel;
    this.fileSize = channel.size();
  }

  /** Reads and validates the header only. */
  static SafetensorsHeader readHeader(Path file, LoadOptions options) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      return new SafetensorsReader(file, channel).header(options).header;
    }
  }

  /** Reads, validates and converts the whole file. */
  static SafetensorsFile read(Path file, LoadOptions options) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      return read(channel, file, options);
    }
  }

  /**
   * Reads, validates and converts safetensors bytes from any channel (for example one over bytes
   * in memory); {@code name} stands for the file in messages. The channel is not closed.
   */
  static SafetensorsFile read(SeekableByteChannel channel, Path name, LoadOptions options)
      throws IOException {
    SafetensorsReader reader = new SafetensorsReader(name, channel);
    Parsed parsed = reader.header(options);
    Map<String, Tensor> tensors = new HashMap<>();
    List<String> nonFinite = new ArrayList<>();
    for (RawEntry e : parsed.entries) {
      Tensor t = reader.readTensor(e, parsed.header.dataStart(), options, nonFinite);
      tensors.put(e.name, t);
    }
    nonFinite.sort(NameOrder.INSTANCE);
    return new SafetensorsFile(parsed.header, tensors, nonFinite);
  }

  // ---------------------------------------------------------------- header

  /** A tensor entry as parsed, with the header positions used in error messages. */
  private record RawEntry(
      String name,
      Dtype dtype,
      long[] shape,
      long begin,
      long end,
      long keyOffset,
      long shapeOffset,
      long offsetsOffset) {}

  /** The header plus its entries sorted by data offset. */
  private record Parsed(SafetensorsHeader header, List<RawEntry> entries) {}

  private Parsed header(LoadOptions options) throws IOException {
    if (fileSize < 8) {
      throw error(Reason.TRUNCATED, null, fileSize,
          "the file has " + fileSize + " bytes, fewer than the 8-byte header length");
    }
    ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(prefix, 0, null);
    long length = prefix.getLong(0);
    long limit = Math.min(options.maxHeaderBytes(), Integer.MAX_VALUE - 8);
    if (length < 0 || length > limit) {
      throw error(Reason.HEADER_LENGTH, null, 0,
          "header length " + Long.toUnsignedString(length) + " exceeds the limit of " + limit
              + " bytes");
    }
    if (length > fileSize - 8) {
      throw error(Reason.HEADER_LENGTH, null, 0,
          "header length " + length + " runs past the end of the file (" + (fileSize - 8)
              + " bytes follow the length); the file is truncated or the length is corrupt");
    }
    byte[] json = new byte[(int) length]; // bounded by the file size and the limit
    readFully(ByteBuffer.wrap(json), 8, null);

    Map<String, String> metadata = new HashMap<>();
    List<RawEntry> entries = parseJson(json, metadata);
    long dataStart = 8 + length;
    long dataSize = fileSize - dataStart;
    validate(entries, dataStart, dataSize);

    Map<String, TensorEntry> byName = new HashMap<>();
    for (RawEntry e : entries) {
      byName.put(e.name, new TensorEntry(e.name, e.dtype, e.shape, e.begin, e.end));
    }
    return new Parsed(new SafetensorsHeader(file, length, metadata, byName), entries);
  }

  private List<RawEntry> parseJson(byte[] json, Map<String, String> metadata) throws IOException {
    if (json.length == 0 || json[0] != '{') {
      throw error(Reason.MALFORMED_HEADER, null, 8,
          "the header must be a JSON object starting with '{'");
    }
    checkUtf8(json);
    List<RawEntry> entries = new ArrayList<>();
    try (JsonParser p = JSON.createParser(json)) {
      p.nextToken(); // the '{' checked above
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        long keyOffset = tokenOffset(p);
        if (METADATA_KEY.equals(key)) {
          parseMetadata(p, metadata);
        } else {
          entries.add(parseEntry(p, key, keyOffset));
        }
      }
      if (t != JsonToken.END_OBJECT) {
        throw error(Reason.MALFORMED_HEADER, null, tokenOffset(p),
            "expected a tensor name or the end of the header object, found " + describe(t));
      }
      JsonToken after = p.nextToken();
      if (after != null) {
        throw error(Reason.MALFORMED_HEADER, null, tokenOffset(p),
            "unexpected " + describe(after)
                + " after the header object (only whitespace may follow)");
      }
    } catch (JsonProcessingException e) {
      JsonLocation where = e.getLocation();
      long offset = 8 + (where == null ? 0 : Math.max(0, where.getByteOffset()));
      String message = e.getOriginalMessage();
      Reason reason = message != null && message.startsWith("Duplicate field")
          ? Reason.DUPLICATE_KEY
          : Reason.MALFORMED_HEADER;
      throw error(reason, null, Math.min(offset, 8 + json.length),
          "the header is not valid JSON: "
              + (message == null ? "(no detail)" : CheckpointFormatException.printable(message)),
          e);
    }
    return entries;
  }

  private void parseMetadata(JsonParser p, Map<String, String> metadata) throws IOException {
    JsonToken t = p.nextToken();
    if (t == JsonToken.VALUE_NULL) {
      return;
    }
    if (t != JsonToken.START_OBJECT) {
      throw error(Reason.MALFORMED_HEADER, null, tokenOffset(p),
          METADATA_KEY + " must be an object of strings, found " + describe(t));
    }
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken value = p.nextToken();
      if (value != JsonToken.VALUE_STRING) {
        throw error(Reason.MALFORMED_HEADER, null, tokenOffset(p),
            METADATA_KEY + " value of key '" + CheckpointFormatException.printable(key)
                + "' must be a string, found " + describe(value));
      }
      requireUnicode(key, null, tokenOffset(p), METADATA_KEY + " key");
      requireUnicode(p.getText(), null, tokenOffset(p), METADATA_KEY + " value");
      metadata.put(key, p.getText());
    }
  }

  private RawEntry parseEntry(JsonParser p, String name, long keyOffset) throws IOException {
    if (name.isEmpty()) {
      throw error(Reason.MALFORMED_HEADER, null, keyOffset, "a tensor name is empty");
    }
    requireUnicode(name, null, keyOffset, "a tensor name");
    JsonToken t = p.nextToken();
    if (t != JsonToken.START_OBJECT) {
      throw error(Reason.MALFORMED_HEADER, name, tokenOffset(p),
          "the entry must be an object with dtype, shape and data_offsets, found " + describe(t));
    }
    String dtypeName = null;
    long dtypeOffset = keyOffset;
    long[] shape = null;
    long shapeOffset = keyOffset;
    long[] offsets = null;
    long offsetsOffset = keyOffset;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      long fieldOffset = tokenOffset(p);
      switch (field) {
        case "dtype" -> {
          JsonToken v = p.nextToken();
          dtypeOffset = tokenOffset(p);
          if (v != JsonToken.VALUE_STRING) {
            throw error(Reason.MALFORMED_HEADER, name, dtypeOffset,
                "dtype must be a string, found " + describe(v));
          }
          dtypeName = p.getText();
        }
        case "shape" -> {
          p.nextToken();
          shapeOffset = tokenOffset(p);
          shape = parseNaturals(p, name, "shape", MAX_RANK, Reason.BAD_SHAPE);
        }
        case "data_offsets" -> {
          p.nextToken();
          offsetsOffset = tokenOffset(p);
          offsets = parseNaturals(p, name, "data_offsets", 2, Reason.BAD_OFFSETS);
          if (offsets.length != 2) {
            throw error(Reason.BAD_OFFSETS, name, offsetsOffset,
                "data_offsets must hold 2 integers, found " + offsets.length);
          }
        }
        default -> throw error(Reason.MALFORMED_HEADER, name, fieldOffset,
            "unexpected field '" + CheckpointFormatException.printable(field)
                + "' (allowed: dtype, shape, data_offsets)");
      }
    }
    String missing = dtypeName == null ? "dtype"
        : shape == null ? "shape"
        : offsets == null ? "data_offsets"
        : null;
    if (missing != null) {
      throw error(Reason.MALFORMED_HEADER, name, keyOffset, "the entry has no " + missing);
    }
    Dtype dtype = Dtype.fromName(dtypeName);
    if (dtype == null) {
      String shown = CheckpointFormatException.printable(dtypeName);
      throw error(Reason.UNSUPPORTED_DTYPE, name, dtypeOffset,
          OTHER_SAFETENSORS_DTYPES.contains(dtypeName)
              ? "dtype " + shown + " is not supported (F32, F16 and BF16 are)"
              : "unknown dtype '" + shown + "' (F32, F16 and BF16 are supported)");
    }
    return new RawEntry(
        name, dtype, shape, offsets[0], offsets[1], keyOffset, shapeOffset, offsetsOffset);
  }

  /** Parses a JSON array of at most maxLength integers >= 0 at the current START_ARRAY. */
  private long[] parseNaturals(JsonParser p, String tensor, String field, int maxLength,
      Reason valueReason) throws IOException {
    long arrayOffset = tokenOffset(p);
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw error(Reason.MALFORMED_HEADER, tensor, arrayOffset,
          field + " must be an array of integers, found " + describe(p.currentToken()));
    }
    long[] values = new long[maxLength];
    int count = 0;
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      long at = tokenOffset(p);
      if (t == JsonToken.VALUE_NUMBER_FLOAT) {
        throw error(valueReason, tensor, at,
            field + " value " + shorten(p.getText()) + " is not an integer");
      }
      if (t != JsonToken.VALUE_NUMBER_INT) {
        throw error(Reason.MALFORMED_HEADER, tensor, at,
            field + " must be an array of integers, found " + describe(t));
      }
      if (count == maxLength) {
        throw error(valueReason, tensor, at,
            field + " has more than " + maxLength + " values");
      }
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw error(valueReason, tensor, at,
            field + " value " + shorten(p.getText()) + " is out of range");
      }
      long v = p.getLongValue();
      if (v < 0) {
        throw error(valueReason, tensor, at, field + " value " + v + " is negative");
      }
      values[count++] = v;
    }
    return Arrays.copyOf(values, count);
  }

  /** Checks each entry, then that the entries tile the data region exactly. */
  private void validate(List<RawEntry> entries, long dataStart, long dataSize)
      throws CheckpointFormatException {
    for (RawEntry e : entries) {
      long elements = 0; // a shape with a zero dimension is empty whatever the others are
      if (Arrays.stream(e.shape).noneMatch(d -> d == 0)) {
        elements = 1;
        for (long d : e.shape) {
          if (elements > Long.MAX_VALUE / d) {
            throw error(Reason.BAD_SHAPE, e.name, e.shapeOffset,
                "shape " + Arrays.toString(e.shape) + " has more elements than a long can count");
          }
          elements *= d;
        }
      }
      if (elements > Long.MAX_VALUE / e.dtype.byteSize()) {
        throw error(Reason.BAD_SHAPE, e.name, e.shapeOffset,
            "shape " + Arrays.toString(e.shape) + " of " + e.dtype
                + " has more bytes than a long can count");
      }
      if (e.begin > e.end) {
        throw error(Reason.BAD_OFFSETS, e.name, e.offsetsOffset,
            "data_offsets [" + e.begin + ", " + e.end + "] are reversed");
      }
      long needed = elements * e.dtype.byteSize();
      if (e.end - e.begin != needed) {
        throw error(Reason.BYTE_COUNT_MISMATCH, e.name, e.offsetsOffset,
            "data_offsets [" + e.begin + ", " + e.end + "] span " + (e.end - e.begin)
                + " bytes but shape " + Arrays.toString(e.shape) + " of " + e.dtype + " needs "
                + needed);
      }
      if (elements > MAX_ELEMENTS) {
        throw error(Reason.TENSOR_TOO_LARGE, e.name, e.shapeOffset,
            "shape " + Arrays.toString(e.shape) + " has " + elements
                + " elements, more than a Java array holds");
      }
    }
    entries.sort(Comparator.comparingLong(RawEntry::begin).thenComparingLong(RawEntry::end));
    long covered = 0;
    RawEntry previous = null;
    for (RawEntry e : entries) {
      if (e.begin < covered) {
        throw error(Reason.OVERLAP, e.name, dataOrHeaderOffset(e, e.begin, dataStart, dataSize),
            "data_offsets [" + e.begin + ", " + e.end + "] overlap tensor '"
                + CheckpointFormatException.printable(previous.name) + "' [" + previous.begin
                + ", " + previous.end + "]");
      }
      if (e.begin > covered) {
        if (covered >= dataSize) {
          throw truncated(e, dataSize, dataStart);
        }
        if (e.end > dataSize) {
          throw error(Reason.BAD_OFFSETS, e.name, e.offsetsOffset,
              "data_offsets [" + e.begin + ", " + e.end + "] lie past the end of the data region ("
                  + dataSize + " bytes)");
        }
        throw error(Reason.GAP, e.name, dataStart + covered,
            "data bytes [" + covered + ", " + e.begin + ") before this tensor belong to no tensor");
      }
      covered = e.end;
      previous = e;
    }
    if (covered > dataSize) {
      for (RawEntry e : entries) {
        if (e.end > dataSize) {
          throw truncated(e, dataSize, dataStart);
        }
      }
    }
    if (covered < dataSize) {
      throw error(Reason.GAP, null, dataStart + covered,
          "data bytes [" + covered + ", " + dataSize + ") at the end belong to no tensor");
    }
  }

  private CheckpointFormatException truncated(RawEntry e, long dataSize, long dataStart) {
    return error(Reason.TRUNCATED, e.name, dataStart + dataSize,
        "data_offsets [" + e.begin + ", " + e.end + "] run past the end of the file (the data"
            + " region has " + dataSize + " bytes); the file is truncated");
  }

  /** The data position in the file when it lies inside the file, else the entry's offsets. */
  private static long dataOrHeaderOffset(RawEntry e, long position, long dataStart,
      long dataSize) {
    return position <= dataSize ? dataStart + position : e.offsetsOffset;
  }

  // ---------------------------------------------------------------- data

  private Tensor readTensor(RawEntry e, long dataStart, LoadOptions options,
      List<String> nonFinite) throws IOException {
    int count = (int) ((e.end - e.begin) / e.dtype.byteSize()); // validated: <= MAX_ELEMENTS
    float[] data = new float[count];
    int size = e.dtype.byteSize();
    ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, e.end - e.begin))
        .order(ByteOrder.LITTLE_ENDIAN);
    long position = dataStart + e.begin;
    int done = 0;
    while (done < count) {
      int n = Math.min(count - done, chunk.capacity() / size);
      chunk.clear().limit(n * size);
      readFully(chunk, position, e.name);
      decode(e.dtype, chunk, data, done, n);
      done += n;
      position += (long) n * size;
    }
    int firstBad = -1;
    int bad = 0;
    for (int i = 0; i < count; i++) {
      if (!Float.isFinite(data[i])) {
        if (firstBad < 0) {
          firstBad = i;
        }
        bad++;
      }
    }
    if (bad > 0) {
      if (!options.allowNonFinite()) {
        throw error(Reason.NON_FINITE, e.name, dataStart + e.begin + (long) firstBad * size,
            bad + " of " + count + " values are NaN or infinite (first: element " + firstBad
                + " = " + data[firstBad] + "); LoadOptions.allowNonFinite accepts them");
      }
      LOG.warn("{}: tensor '{}' has {} of {} values NaN or infinite (first at byte {})", file,
          CheckpointFormatException.printable(e.name), bad, count,
          dataStart + e.begin + (long) firstBad * size);
      nonFinite.add(e.name);
    }
    return new Tensor(e.name, e.shape, data);
  }

  private static void decode(Dtype dtype, ByteBuffer bytes, float[] out, int at, int n) {
    switch (dtype) {
      case F32 -> bytes.asFloatBuffer().get(out, at, n);
      case F16 -> {
        for (int i = 0; i < n; i++) {
          out[at + i] = HalfFloats.halfToFloat(bytes.getShort(2 * i));
        }
      }
      case BF16 -> {
        for (int i = 0; i < n; i++) {
          out[at + i] = HalfFloats.bfloat16ToFloat(bytes.getShort(2 * i));
        }
      }
      default -> throw new IllegalStateException("no decoder for " + dtype);
    }
  }

  // ---------------------------------------------------------------- utilities

  /** Fills {@code buffer} from {@code position}; a file that ends first is truncated. */
  private void readFully(ByteBuffer buffer, long position, String tensor) throws IOException {
    long at = position;
    channel.position(position);
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer);
      if (n < 0) {
        throw error(Reason.TRUNCATED, tensor, at,
            "the file ends at byte " + at + " (it shrank while being read)");
      }
      at += n;
    }
    buffer.flip();
  }

  /** Rejects header bytes that are not well-formed UTF-8, naming the first bad byte. */
  private void checkUtf8(byte[] json) throws CheckpointFormatException {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(json);
    CharBuffer out = CharBuffer.allocate(8192);
    while (true) {
      CoderResult r = decoder.decode(in, out, true);
      if (r.isError()) {
        throw error(Reason.MALFORMED_HEADER, null, 8 + in.position(),
            "the header is not valid UTF-8");
      }
      if (r.isUnderflow()) {
        break;
      }
      out.clear();
    }
    CoderResult r = decoder.flush(out);
    if (r.isError()) {
      throw error(Reason.MALFORMED_HEADER, null, 8 + json.length, "the header is not valid UTF-8");
    }
  }

  /**
   * Rejects strings with an unpaired surrogate (a JSON escape can encode one): they are not
   * Unicode text and could not be written back.
   */
  private void requireUnicode(String s, String tensor, long offset, String what)
      throws CheckpointFormatException {
    int at = unpairedSurrogate(s);
    if (at >= 0) {
      throw error(Reason.MALFORMED_HEADER, tensor, offset,
          what + " has an unpaired UTF-16 surrogate at character " + at);
    }
  }

  /** Index of the first unpaired surrogate in {@code s}, or -1 when it is valid Unicode. */
  static int unpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  /** Byte offset in the file of the parser's current token. */
  private static long tokenOffset(JsonParser p) {
    long inHeader = p.currentTokenLocation().getByteOffset();
    return 8 + Math.max(0, inHeader);
  }

  private static String describe(JsonToken t) {
    if (t == null) {
      return "the end of the header";
    }
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      case FIELD_NAME -> "a field name";
      default -> t.toString();
    };
  }

  private static String shorten(String s) {
    if (s == null) {
      return "(no detail)";
    }
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }

  private CheckpointFormatException error(Reason reason, String tensor, long offset,
      String detail) {
    return new CheckpointFormatException(reason, file, tensor, offset, detail);
  }

  private CheckpointFormatException error(Reason reason, String tensor, long offset,
      String detail, Throwable cause) {
    return new CheckpointFormatException(reason, file, tensor, offset, detail, cause);
  }
}
