package org.evomoe.checkpoint;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes safetensors files in the layout of docs/checkpoint-format.md: tensors sorted by name,
 * compact JSON header padded with spaces to a multiple of 8 bytes, data packed without gaps.
 */
final class SafetensorsWriter {
  private static final Logger LOG = LoggerFactory.getLogger(SafetensorsWriter.class);
  private static final JsonFactory JSON = new JsonFactory();
  private static final int CHUNK_BYTES = 1 << 20;

  /** The metadata key added when the caller does not set it; Hugging Face loaders require it. */
  static final String FORMAT_KEY = "format";

  static final String FORMAT_VALUE = "pt";

  /**
   * A tensor waiting to be written; its data is produced only when its turn comes, so at most one
   * converted tensor is held at a time.
   */
  record Pending(String name, long[] shape, Supplier<float[]> data) {}

  private SafetensorsWriter() {}

  static void write(Path file, List<Pending> tensors, Map<String, String> metadata, Dtype dtype)
      throws IOException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(tensors, "tensors");
    Objects.requireNonNull(metadata, "metadata");
    Objects.requireNonNull(dtype, "dtype");
    if (!dtype.writable()) {
      throw new IllegalArgumentException("cannot write dtype " + dtype + " (F32 and BF16 can be)");
    }
    Map<String, String> meta = new TreeMap<>(NameOrder.INSTANCE);
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      requireText("metadata key", e.getKey());
      requireText("metadata value of " + e.getKey(), e.getValue());
      meta.put(e.getKey(), e.getValue());
    }
    meta.putIfAbsent(FORMAT_KEY, FORMAT_VALUE);

    List<Pending> sorted = new ArrayList<>(tensors);
    Set<String> names = new HashSet<>();
    for (Pending p : sorted) {
      requireText("tensor name", p.name());
      if (p.name().isEmpty() || p.name().equals(SafetensorsReader.METADATA_KEY)) {
        throw new IllegalArgumentException("invalid tensor name '" + p.name() + "'");
      }
      if (!names.add(p.name())) {
        throw new IllegalArgumentException("tensor name " + p.name() + " appears twice");
      }
      long elements = Tensor.elementCount(p.name(), p.shape());
      if (elements > SafetensorsReader.MAX_ELEMENTS) {
        throw new IllegalArgumentException("tensor " + p.name() + " has " + elements
            + " elements, more than a Java array holds");
      }
      if (p.shape().length > SafetensorsReader.MAX_RANK) {
        throw new IllegalArgumentException("tensor " + p.name() + " has rank "
            + p.shape().length + ", more than " + SafetensorsReader.MAX_RANK);
      }
    }
    sorted.sort((a, b) -> NameOrder.INSTANCE.compare(a.name(), b.name()));
    byte[] header = header(sorted, meta, dtype);

    AtomicFiles.write(file, out -> {
      byte[] length = new byte[8];
      ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
      out.write(length);
      out.write(header);
      byte[] chunk = new byte[CHUNK_BYTES];
      long nonFinite = 0;
      for (Pending p : sorted) {
        float[] data = p.data().get();
        long expected = Tensor.elementCount(p.name(), p.shape());
        if (data.length != expected) {
          throw new IllegalStateException("tensor " + p.name() + " produced " + data.length
              + " elements for shape " + Arrays.toString(p.shape()));
        }
        nonFinite += writeData(out, data, dtype, chunk);
      }
      if (nonFinite > 0) {
        LOG.warn("{}: wrote {} NaN or infinite values; loading needs"
            + " LoadOptions.allowNonFinite", file, nonFinite);
      }
    });
  }

  /** The JSON header, space-padded to a multiple of 8 bytes. */
  static byte[] header(List<Pending> sorted, Map<String, String> metadata, Dtype dtype)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(bytes)) {
      g.writeStartObject();
      if (!metadata.isEmpty()) {
        g.writeObjectFieldStart(SafetensorsReader.METADATA_KEY);
        for (Map.Entry<String, String> e : metadata.entrySet()) {
          g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
      }
      long offset = 0;
      for (Pending p : sorted) {
        long size = Tensor.elementCount(p.name(), p.shape()) * dtype.byteSize();
        g.writeObjectFieldStart(p.name());
        g.writeStringField("dtype", dtype.name());
        g.writeArrayFieldStart("shape");
        for (long d : p.shape()) {
          g.writeNumber(d);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("data_offsets");
        g.writeNumber(offset);
        g.writeNumber(offset + size);
        g.writeEndArray();
        g.writeEndObject();
        offset += size;
      }
      g.writeEndObject();
    }
    while (bytes.size() % 8 != 0) {
      bytes.write(' ');
    }
    return bytes.toByteArray();
  }

  /** Encodes little-endian; returns how many written values are NaN or infinite. */
  private static long writeData(OutputStream out, float[] data, Dtype dtype, byte[] chunk)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
    int perChunk = chunk.length / dtype.byteSize();
    long nonFinite = 0;
    for (int start = 0; start < data.length; start += perChunk) {
      int n = Math.min(perChunk, data.length - start);
      buffer.clear();
      for (int i = start; i < start + n; i++) {
        if (dtype == Dtype.BF16) {
          int bits = HalfFloats.floatToBfloat16(data[i]);
          buffer.putShort((short) bits);
          if ((bits & 0x7F80) == 0x7F80) {
            nonFinite++;
          }
        } else {
          buffer.putFloat(data[i]);
          if (!Float.isFinite(data[i])) {
            nonFinite++;
          }
        }
      }
      out.write(chunk, 0, buffer.position());
    }
    return nonFinite;
  }

  /** Rejects null and strings that are not valid Unicode (an unpaired surrogate). */
  private static void requireText(String what, String s) {
    Objects.requireNonNull(s, what);
    int at = SafetensorsReader.unpairedSurrogate(s);
    if (at >= 0) {
      throw new IllegalArgumentException(what + " has an unpaired surrogate at index " + at);
    }
  }
}
